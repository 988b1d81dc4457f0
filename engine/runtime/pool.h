#pragma once

// Small-object allocator for the runtime's hot objects (processes, signals, coroutine frames): per-thread free lists
// by 16-byte size class, so spawning, messaging and exiting rarely reach the general-purpose allocator.

#include <cstddef>

namespace vigil::pool {

void* allocate(std::size_t size);
void deallocate(void* p, std::size_t size) noexcept;

// Base for classes allocated from the pool.
struct Pooled {
    static void* operator new(std::size_t size) { return allocate(size); }
    static void operator delete(void* p, std::size_t size) noexcept { deallocate(p, size); }
};

} // namespace vigil::pool
