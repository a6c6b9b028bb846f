# Sourced by the build scripts. Debian's emcc needs NODE_PATH to find acorn at -O1+ links.
export NODE_PATH=/usr/share/nodejs
export NORMLAB_JOBS=${NORMLAB_JOBS:-$(nproc)}
