#pragma once
// Trainer checkpoints: everything needed to continue training bitwise-identically, as if it
// had never stopped. They hold the model (an embedded model file, serialize.hpp), the
// config with the current base learning rate, the step and epoch counters, this epoch's
// order and cursor, the shuffle and augmentation generators, the epoch's running sums and
// the finished epochs, and the optimizer's state (momentum buffers or Adam's moments, step
// count). Dropout masks and the learning-rate schedule need nothing more: the trainer
// reseeds dropout from (seed, step) before every step, and the schedule is a function of
// (config, base lr, step). Not saved: probe samples, the per-step history (the caller was
// handed every step), and BatchNorm's num_batches_tracked (no computation reads it).
//
// Format, version 1. Little-endian; integers u8/u32/u64/i32/i64, floats as IEEE f32/f64
// bits; a string or blob is a u32 byte count and the bytes.
//   "NLCK"      magic, 4 bytes
//   version     u32, 1
//   size        u64, bytes of the whole checkpoint, checksum included
//   config      optimizer string; lr, momentum f64; nesterov u8; weight_decay, beta1,
//               beta2, eps f64; decay_norm_and_bias u8; batch_size i32; seed u64;
//               clip_norm f64; schedule: kind u32, step_size i64, gamma f64,
//               total_steps i64, warmup_steps i64; augment u8; label_smoothing f32;
//               epochs, probe_every, probe_capacity, probe_activation_sample,
//               eval_batch_size i32; record_history u8
//   dataset     count, channels, height, width, classes u32; CRC-32 of the images, of the
//               labels (resuming needs the same training data)
//   model       blob: a model file
//   progress    step i64; epoch i32; epoch_started u8; cursor u64; order: u32 n, n × i32;
//               shuffle, then augment generator: state u64, inc u64, has_spare u8,
//               spare f32; epoch_loss f64; epoch_correct, epoch_seen, epoch_steps i32;
//               finished epochs: u32 n, n × {epoch i32, steps i32, loss f64, accuracy f64}
//   optimizer   name string; steps i64; u32 n, n × {u32 length, length × f32}
//   crc         u32, CRC-32 (serialize.hpp) of every byte before it
//
// load_checkpoint checks the size, magic, version and checksum before it parses anything,
// never reads past the end, then validates every field against the rebuilt trainer (the
// order is a permutation, the cursor inside it, optimizer vectors the sizes of their
// parameters) and throws normlab::Error naming what was wrong. Resuming on another dataset
// throws ArgumentError; a config too large for the memory budget, MemoryLimitError.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "trainer.hpp"

namespace normlab {

constexpr uint32_t kCheckpointVersion = 1;

std::vector<uint8_t> save_checkpoint(Trainer& trainer);

struct ResumedTrainer {
  std::unique_ptr<Model> model;
  std::unique_ptr<Trainer> trainer;  // trains `model` on `train`; declared last, freed first
};

// `train` must be the dataset the checkpoint was trained on, and outlive the trainer.
ResumedTrainer load_checkpoint(const uint8_t* data, std::size_t size, const Dataset& train);

}  // namespace normlab
