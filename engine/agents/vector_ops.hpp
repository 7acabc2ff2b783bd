#pragma once

// The vector building blocks of the agents' inner loops.
//
// LUSIFER_VECTOR_CLONES marks a function to be compiled twice, for AVX2 and
// for baseline x86-64, with the version run chosen once, when the program
// loads (GCC's target_clones, resolved through an ifunc). The AVX2 version
// is allowed no fused multiply-add (FMA is not in the list), so both
// versions round identically and results do not depend on the CPU.
// Elsewhere than GCC on x86-64, or with LUSIFER_NO_VECTOR_CLONES defined
// (to compare the two versions), the attribute is left out and the
// portable code is all there is.
//
// Vec8 is eight floats as one value (GCC's vector extension): one AVX2
// operation, or two SSE ones in the baseline clone, lane by lane, so it too
// rounds the same everywhere. Functions that take or return it must be
// inlined into a clone (LUSIFER_ALWAYS_INLINE), never called across the ABI.

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(LUSIFER_NO_VECTOR_CLONES)
#define LUSIFER_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LUSIFER_VECTOR_CLONES
#endif

#define LUSIFER_ALWAYS_INLINE inline __attribute__((always_inline))

#include <cstddef>

namespace lusifer {

typedef float Vec8 __attribute__((vector_size(32)));

// Running sums of 8 * Vectors floats for the kernels that add scaled rows
// (M x, a pool's scores). The loops are unrolled so that the sums stay in
// registers: rolled, GCC kept them in an array on the stack and stored and
// reloaded them for every row.
template <std::size_t Vectors>
LUSIFER_ALWAYS_INLINE void load_sums(Vec8 (&sums)[Vectors], const float* from) noexcept {
#pragma GCC unroll 8
  for (std::size_t v = 0; v < Vectors; ++v)
    __builtin_memcpy(&sums[v], from + 8 * v, sizeof sums[v]);
}

// sums += a * row, lane by lane (a multiply, then an add: no FMA).
template <std::size_t Vectors>
LUSIFER_ALWAYS_INLINE void add_scaled_row(Vec8 (&sums)[Vectors], const float* row,
                                          float a) noexcept {
  const Vec8 scale = {a, a, a, a, a, a, a, a};
#pragma GCC unroll 8
  for (std::size_t v = 0; v < Vectors; ++v) {
    Vec8 from;
    __builtin_memcpy(&from, row + 8 * v, sizeof from);
    sums[v] += scale * from;
  }
}

template <std::size_t Vectors>
LUSIFER_ALWAYS_INLINE void store_sums(float* to, const Vec8 (&sums)[Vectors]) noexcept {
#pragma GCC unroll 8
  for (std::size_t v = 0; v < Vectors; ++v)
    __builtin_memcpy(to + 8 * v, &sums[v], sizeof sums[v]);
}

}  // namespace lusifer
