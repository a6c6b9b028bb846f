// The user's own data: four IDX files (MNIST's format, gzipped or not) told apart by their
// headers, not their names. The page checks sizes and headers before reading anything large;
// the engine then checks every byte (wasm datasets.fromIDX).
//   readIdxHeader(bytes, name) → {kind: 'images'|'labels', count, rows?, cols?} or {error}
//   pairIdxFiles([{name, size, header}]) → {trainImages, trainLabels, testImages, testLabels}
//     (indices into the list; the training pair is the larger one) or {error}
//   checkFileSizes(files) → an error message or null

// Larger files are refused before they are read: MNIST's largest file is 47 MB unpacked.
export const MAX_FILE_BYTES = 200 * 1024 * 1024;
export const HEADER_BYTES = 16;

const MAGIC = { 0x801: 'labels', 0x803: 'images' };
const hex = (bytes) => Array.from(bytes.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
const megabytes = (n) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;

export function checkFileSizes(files) {
  const big = files.find((f) => f.size > MAX_FILE_BYTES);
  if (big) return `${big.name} is ${megabytes(big.size)}, more than the ${megabytes(MAX_FILE_BYTES)} this page reads; it was not opened`;
  if (files.length !== 4) {
    return `choose four IDX files (training images and labels, test images and labels); got ${files.length} file${files.length === 1 ? '' : 's'}`;
  }
  const empty = files.find((f) => f.size === 0);
  if (empty) return `${empty.name} is empty`;
  return null;
}

// bytes: the first bytes of the (decompressed) file.
export function readIdxHeader(bytes, name) {
  if (bytes.length < 8) return { error: `${name} is too short to be an IDX file (${bytes.length} bytes)` };
  const magic = (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
  const kind = MAGIC[magic];
  if (!kind) {
    return { error: `${name} is not an MNIST-style IDX file: it starts with ${hex(bytes)}, where IDX labels start with 00 00 08 01 and images with 00 00 08 03` };
  }
  const count = ((bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7]) >>> 0;
  if (kind === 'labels') return { kind, count };
  if (bytes.length < 16) return { error: `${name} is too short for an IDX image header (${bytes.length} bytes)` };
  const rows = ((bytes[8] << 24) | (bytes[9] << 16) | (bytes[10] << 8) | bytes[11]) >>> 0;
  const cols = ((bytes[12] << 24) | (bytes[13] << 16) | (bytes[14] << 8) | bytes[15]) >>> 0;
  return { kind, count, rows, cols };
}

export function pairIdxFiles(files) {
  const images = [];
  const labels = [];
  files.forEach((f, i) => (f.header.kind === 'images' ? images : labels).push(i));
  if (images.length !== 2 || labels.length !== 2) {
    return { error: `expected two image files and two label files, got ${images.length} image and ${labels.length} label file${labels.length === 1 ? '' : 's'}` };
  }
  const pairs = [];
  for (const im of images) {
    const match = labels.find((lb) => files[lb].header.count === files[im].header.count && !pairs.some((p) => p.labels === lb));
    if (match === undefined) {
      const counts = labels.map((lb) => `${files[lb].name}: ${files[lb].header.count}`).join(', ');
      return { error: `${files[im].name} holds ${files[im].header.count} images, but no label file has as many labels (${counts})` };
    }
    pairs.push({ images: im, labels: match });
  }
  const size = (p) => files[p.images].header.count;
  if (size(pairs[0]) === size(pairs[1])) {
    return { error: `both pairs hold ${size(pairs[0])} samples, so which is for training is unclear; the training pair must be the larger one` };
  }
  const [train, test] = size(pairs[0]) > size(pairs[1]) ? pairs : [pairs[1], pairs[0]];
  for (const i of [train.images, test.images]) {
    const { rows, cols } = files[i].header;
    if (rows !== 28 || cols !== 28) return { error: `${files[i].name} holds ${rows}×${cols} images; the networks here take 28×28 digits` };
  }
  return { trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels };
}
