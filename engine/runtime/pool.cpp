#include "runtime/pool.h"

#include "runtime/task.h"

#include <cstdint>
#include <mutex>
#include <new>

#include <sys/mman.h>

namespace vigil::pool {

namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kMaxSize = 1024;
constexpr std::size_t kClasses = kMaxSize / kGranule;
constexpr std::size_t kMaxCached = 1 << 14; // blocks per class a thread keeps before it hands them to the depot
constexpr std::size_t kSlabSize = 256 * 1024;

// Blocks are carved from large slabs (no per-block allocator header, fewer calls into malloc) and are never given
// back to the system: a freed block waits in a free list for the next object of its size class. Blocks freed on
// another thread than the one that allocated them join that thread's list; a list that grows past kMaxCached
// hands its blocks to the shared depot, where threads that run dry refill from.

struct Node {
    Node* next;
};

struct Chain {
    Node* head = nullptr;
    Node* tail = nullptr;
    std::size_t count = 0;
};

// Shared by all threads; only touched when a thread's list overflows, runs dry, or the thread ends.
struct Depot {
    std::mutex mutex;
    Chain chains[kClasses];
    char* slab = nullptr;
    std::size_t slabLeft = 0;
};

Depot& depot()
{
    static Depot* d = new Depot; // never destroyed: threads may free blocks during static destruction
    return *d;
}

// Slabs are cut from arenas mapped 2 MiB-aligned and marked for transparent huge pages: a program that creates a
// million processes takes a few hundred page faults instead of a hundred thousand (on a virtual machine each fault
// is a trip through the hypervisor). Pages are only backed when first touched, so an arena costs address space,
// not memory, until it is used.
constexpr std::size_t kHugePage = 2 * 1024 * 1024;
constexpr std::size_t kArenaSize = 16 * 1024 * 1024;

char* mapArena()
{
    const std::size_t total = kArenaSize + kHugePage;
    void* raw = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        throw std::bad_alloc();
    const auto begin = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t start = (begin + kHugePage - 1) & ~uintptr_t(kHugePage - 1);
    if (start > begin)
        ::munmap(raw, start - begin);
    const uintptr_t end = begin + total;
    if (end > start + kArenaSize)
        ::munmap(reinterpret_cast<void*>(start + kArenaSize), end - (start + kArenaSize));
#ifdef MADV_HUGEPAGE
    ::madvise(reinterpret_cast<void*>(start), kArenaSize, MADV_HUGEPAGE); // advice only: fine if refused
#endif
    return reinterpret_cast<char*>(start);
}

char* newSlab()
{
    static std::mutex mutex;
    static char* arena = nullptr;
    static std::size_t left = 0;
    std::lock_guard g(mutex);
    if (left < kSlabSize) {
        arena = mapArena();
        left = kArenaSize;
    }
    char* slab = arena;
    arena += kSlabSize;
    left -= kSlabSize;
    return slab;
}

struct FreeList {
    Node* heads[kClasses] = {};
    Node* tails[kClasses] = {}; // oldest block of each list, so a full list moves to the depot in O(1)
    std::size_t counts[kClasses] = {};
    char* slab = nullptr;
    std::size_t slabLeft = 0;

    ~FreeList();
};

thread_local bool t_listsGone = false; // trivially destructible, so it can be read during thread teardown

FreeList::~FreeList()
{
    t_listsGone = true;
    Depot& d = depot();
    std::lock_guard g(d.mutex);
    for (std::size_t c = 0; c < kClasses; ++c) {
        Node* n = heads[c];
        while (n) {
            Node* next = n->next;
            n->next = d.chains[c].head;
            d.chains[c].head = n;
            if (!d.chains[c].tail)
                d.chains[c].tail = n;
            ++d.chains[c].count;
            n = next;
        }
        heads[c] = tails[c] = nullptr;
    }
    // The rest of this thread's slab is abandoned (at most one slab per ended thread).
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kBypass = true; // let the sanitizers see every allocation
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kBypass = true;
#else
constexpr bool kBypass = false;
#endif
#else
constexpr bool kBypass = false;
#endif

thread_local FreeList t_lists;

inline std::size_t classOf(std::size_t size) { return (size + kGranule - 1) / kGranule - 1; }

void* carve(char*& slab, std::size_t& left, std::size_t bytes)
{
    if (left < bytes) {
        slab = newSlab();
        left = kSlabSize;
    }
    void* p = slab;
    slab += bytes;
    left -= bytes;
    return p;
}

// Slow paths through the depot (lists gone at thread exit, or a thread's own list empty).
void* depotAllocate(std::size_t c)
{
    Depot& d = depot();
    std::lock_guard g(d.mutex);
    Chain& ch = d.chains[c];
    if (Node* n = ch.head) {
        ch.head = n->next;
        if (!ch.head)
            ch.tail = nullptr;
        --ch.count;
        return n;
    }
    return carve(d.slab, d.slabLeft, (c + 1) * kGranule);
}

void depotFree(void* p, std::size_t c)
{
    Depot& d = depot();
    std::lock_guard g(d.mutex);
    auto* n = static_cast<Node*>(p);
    n->next = d.chains[c].head;
    d.chains[c].head = n;
    if (!d.chains[c].tail)
        d.chains[c].tail = n;
    ++d.chains[c].count;
}

void* refill(FreeList& fl, std::size_t c)
{
    Depot& d = depot();
    {
        std::lock_guard g(d.mutex);
        Chain& ch = d.chains[c];
        if (ch.head) {
            // Take the whole chain: one lock for many allocations.
            Node* n = ch.head;
            fl.heads[c] = n->next;
            fl.tails[c] = n->next ? ch.tail : nullptr;
            fl.counts[c] = ch.count - 1;
            ch = Chain {};
            return n;
        }
    }
    return carve(fl.slab, fl.slabLeft, (c + 1) * kGranule);
}

void spill(FreeList& fl, std::size_t c)
{
    // Hand the whole list to the depot (appending it there is O(1): no walk over cold blocks).
    Node* first = fl.heads[c];
    Node* last = fl.tails[c];
    const std::size_t moved = fl.counts[c];
    fl.heads[c] = fl.tails[c] = nullptr;
    fl.counts[c] = 0;
    Depot& d = depot();
    std::lock_guard g(d.mutex);
    Chain& ch = d.chains[c];
    last->next = ch.head;
    ch.head = first;
    if (!ch.tail)
        ch.tail = last;
    ch.count += moved;
}

} // namespace

void* allocate(std::size_t size)
{
    if (kBypass || size == 0 || size > kMaxSize)
        return ::operator new(size);
    const std::size_t c = classOf(size);
    if (t_listsGone)
        return depotAllocate(c);
    FreeList& fl = t_lists;
    if (Node* n = fl.heads[c]) {
        fl.heads[c] = n->next;
        if (!n->next)
            fl.tails[c] = nullptr;
        --fl.counts[c];
        return n;
    }
    return refill(fl, c);
}

void deallocate(void* p, std::size_t size) noexcept
{
    if (!p)
        return;
    if (kBypass || size == 0 || size > kMaxSize) {
        ::operator delete(p);
        return;
    }
    const std::size_t c = classOf(size);
    if (t_listsGone) {
        depotFree(p, c);
        return;
    }
    FreeList& fl = t_lists;
    auto* n = static_cast<Node*>(p);
    n->next = fl.heads[c];
    if (!fl.heads[c])
        fl.tails[c] = n;
    fl.heads[c] = n;
    if (++fl.counts[c] >= kMaxCached)
        spill(fl, c);
}

} // namespace vigil::pool

namespace vigil::detail {

void* allocateFrame(std::size_t size) { return pool::allocate(size); }

void freeFrame(void* p, std::size_t size) noexcept { pool::deallocate(p, size); }

} // namespace vigil::detail
