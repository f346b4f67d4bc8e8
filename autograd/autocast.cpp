// The autocast policy state (thread-local) and its two casts; see autocast.h for the policy.
#include "autograd/autocast.h"

#include <stdexcept>
#include <string>

#include "autograd/shape.h"

namespace hg {
namespace {
thread_local AutocastState tls_state;

bool is_low(DType t) { return t == DType::f16 || t == DType::bf16; }
}  // namespace

AutocastState autocast_state() { return tls_state; }

AutocastGuard::AutocastGuard(bool enabled, DType dtype) : previous_(tls_state) {
  if (!is_low(dtype))
    throw std::invalid_argument(std::string("autocast: the low-precision dtype must be bf16 or f16, got ") +
                                dtype_name(dtype));
  tls_state = {enabled, dtype};
}

AutocastGuard::AutocastGuard(Device device) : AutocastGuard(true, autocast_dtype_for(device)) {}

AutocastGuard::~AutocastGuard() { tls_state = previous_; }

DType autocast_dtype_for(Device device) { return device.is_cuda() ? DType::f16 : DType::bf16; }

Tensor autocast_low(const Tensor& t) {
  if (!tls_state.enabled || !t.defined()) return t;
  const DType dt = t.dtype();
  if (dt != DType::f32 && !is_low(dt)) return t;  // f64 and integers are left alone
  return to_dtype(t, tls_state.dtype);
}

Tensor autocast_f32(const Tensor& t) {
  if (!tls_state.enabled || !t.defined() || !is_low(t.dtype())) return t;
  return to_dtype(t, DType::f32);
}

}  // namespace hg
