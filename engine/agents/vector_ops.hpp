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

namespace lusifer {

typedef float Vec8 __attribute__((vector_size(32)));

}  // namespace lusifer
