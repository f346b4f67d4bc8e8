// CRC-32 as used by zip, gzip and PNG (ISO 3309 / ITU-T V.42): the reflected polynomial 0xEDB88320,
// initial value 0xFFFFFFFF and a final complement. Chainable: crc32(b, nb, crc32(a, na)) equals
// crc32 of the concatenation a‖b, and crc32(nothing) = 0. Check value: crc32("123456789") = 0xCBF43926.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hg {

uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);

}  // namespace hg
