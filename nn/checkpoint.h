// Checkpoints: everything a training run needs to resume bit for bit, in ONE safetensors file.
//
//   CheckpointParts parts{.model = model.get(), .optim = &opt, .sched = &sched, .scaler = &scaler,
//                         .accum = &acc, .rngs = {{"default", &default_generator()}, {"data", &data_gen}},
//                         .step = step, .epoch = epoch, .user = config};
//   save_checkpoint("runs/x/checkpoints/last.safetensors", parts);
//   ...
//   load_checkpoint("runs/x/checkpoints/last.safetensors", parts);   // fills the objects, step, epoch, user
//
// Layout. Tensors, by prefix:
//   model/<state_dict name>     the model's parameters and buffers (exact dtypes)
//   optim/<param>/<slot>        Optimizer::state_dict() tensors (moments, step counters)
//   sched/step, sched/base_lrs  Scheduler::state_dict()
//   scaler/scale, scaler/growth_tracker   GradScaler::state_dict()
//   accum/position              GradientAccumulator::state_dict()
// "__metadata__" (string -> string; every value but the first three is JSON text):
//   format          "handgrad-checkpoint"
//   format_version  "1" (kCheckpointFormatVersion)
//   checksum        16 hex digits: a 64-bit hash of every other metadata entry and every tensor's
//                   name, dtype, shape and bytes, so any flipped bit (header or data) is detected
//   counters        {"step": s, "epoch": e}
//   user            free-form JSON (e.g. the run config); null when none
//   model           {"type": Module::type_name(), "tensors": count}           (present iff saved)
//   optim           {"type": Optimizer::type() ("LARS(Adam)"), "description": its state_dict() description}
//   sched           {"schedule": Schedule::describe()}                        (informative)
//   scaler          {"enabled", "init_scale", "growth_factor", "backoff_factor", "growth_interval"}
//   accum           {"steps": k}
//   rng             {"<name>": {"seed": u64, "stream": u64, "counter": u64}, ...}
//
// Saving writes atomically (temporary file, fsync, rename; safetensors::save): a reader sees the
// old checkpoint or the complete new one. Null parts are skipped; rngs may be empty. Gradients are
// not saved: save between optimiser steps (accumulator position 0) for an exact resume.
//
// Loading is all-or-nothing. It reads and verifies the whole file first (safetensors layout,
// format and version, checksum, metadata JSON, that every requested part is present, the model's
// exact names, shapes and dtypes, the optimiser type, the parameter names and state shapes, the
// scalar states' dtypes and ranges, every requested generator) and only then changes objects. The
// few checks that only an object itself can make (e.g. an optimiser's slot names) run while
// loading; if one fails, every part loaded so far is restored from a snapshot taken just before,
// so the objects end exactly as they were. Null parts are skipped; a requested part the file lacks
// is an error; parts in the file that were not requested are ignored (e.g. load only the model
// for evaluation). step, epoch and user are always read.
//
// Devices: tensors are saved from whatever device they live on (copied to the host), and loading
// copies into the objects' own tensors, so everything lands on the device the objects are on — a
// checkpoint of a CUDA run loads into CPU objects and vice versa, with no map_location argument.
// Optimiser moments go to their parameter's device, step counters stay on the CPU.
//
// Every failure throws one CheckpointError whose message is a single line "<path>: <problem>".
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/grad_scaler.h"
#include "nn/module.h"
#include "nn/optim_accumulate.h"
#include "nn/optimizer.h"
#include "nn/schedule.h"
#include "tensor/philox.h"

namespace hg::nn {

inline constexpr int kCheckpointFormatVersion = 1;

struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What to save or load. Pointers are not owned; null = skip that part.
struct CheckpointParts {
  Module* model = nullptr;
  Optimizer* optim = nullptr;
  Scheduler* sched = nullptr;
  GradScaler* scaler = nullptr;
  GradientAccumulator* accum = nullptr;
  std::map<std::string, Generator*> rngs;  // name -> generator (names non-empty, pointers non-null)
  int64_t step = 0;                        // optimiser steps done (save: written; load: read back)
  int64_t epoch = 0;
  nlohmann::json user;                     // free-form (save: written; load: read back)
};

void save_checkpoint(const std::string& path, const CheckpointParts& parts);
void load_checkpoint(const std::string& path, CheckpointParts& parts);

// A checkpoint's description without touching any object (fully verified like load_checkpoint).
struct CheckpointInfo {
  int format_version = 0;
  std::vector<std::string> parts;  // among "model", "optim", "sched", "scaler", "accum"
  std::vector<std::string> rngs;   // generator names
  std::string optimizer_type;      // "" without an optimiser
  int64_t step = 0, epoch = 0;
  nlohmann::json user;
};
CheckpointInfo read_checkpoint_info(const std::string& path);

}  // namespace hg::nn
