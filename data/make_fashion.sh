#!/usr/bin/env bash
# Puts full-size Fashion-MNIST (60,000 train / 10,000 test, gzipped IDX, MIT, Zalando SE) into
# the git-ignored data/cache/fashion-mnist/, from Debian's `dataset-fashion-mnist` package
# (installed here if missing; needs root). The files are copied as shipped and checked against
# pinned SHA-256 sums (those of bookworm's 0.0~git20200523.55506a9-1).
#   bash data/make_fashion.sh
set -euo pipefail
cd "$(dirname "$0")"

src=/usr/share/datasets/fashion-mnist
dst=cache/fashion-mnist

if ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  echo "make_fashion: installing Debian package dataset-fashion-mnist (31 MB)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null
fi

mkdir -p "$dst"
sums="cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa  t10k-images-idx3-ubyte.gz
8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05  t10k-labels-idx1-ubyte.gz
b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7  train-images-idx3-ubyte.gz
0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056  train-labels-idx1-ubyte.gz"
for f in t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz; do
  cp "$src/$f" "$dst/$f"
done
if ! (cd "$dst" && sha256sum --check --quiet <<<"$sums"); then
  echo "make_fashion: checksum mismatch in data/$dst (another version of dataset-fashion-mnist?)" >&2
  exit 1
fi
echo "make_fashion: data/$dst holds Fashion-MNIST (60000 train, 10000 test):"
ls -l "$dst"
