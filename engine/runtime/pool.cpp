#include "runtime/pool.h"

#include "runtime/task.h"

#include <new>

namespace vigil::pool {

namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kMaxSize = 1024;
constexpr std::size_t kClasses = kMaxSize / kGranule;
constexpr std::size_t kMaxCached = 1 << 16; // per class and thread; the rest goes back to the system

// Blocks freed on another thread than the one that allocated them simply join that thread's list: processes
// migrate between workers, and the lists even out because every worker both allocates and frees.
struct FreeList {
    struct Node {
        Node* next;
    };
    Node* heads[kClasses] = {};
    std::size_t counts[kClasses] = {};

    ~FreeList();
};

thread_local bool t_listsGone = false; // trivially destructible, so it can be read during thread teardown

FreeList::~FreeList()
{
    t_listsGone = true;
    {
        for (std::size_t c = 0; c < kClasses; ++c) {
            while (heads[c]) {
                Node* n = heads[c];
                heads[c] = n->next;
                ::operator delete(n);
            }
        }
    }
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

} // namespace

void* allocate(std::size_t size)
{
    if (kBypass || size == 0 || size > kMaxSize || t_listsGone)
        return ::operator new(size);
    const std::size_t c = classOf(size);
    FreeList& fl = t_lists;
    if (FreeList::Node* n = fl.heads[c]) {
        fl.heads[c] = n->next;
        --fl.counts[c];
        return n;
    }
    return ::operator new((c + 1) * kGranule);
}

void deallocate(void* p, std::size_t size) noexcept
{
    if (!p)
        return;
    if (kBypass || size == 0 || size > kMaxSize || t_listsGone) {
        ::operator delete(p);
        return;
    }
    const std::size_t c = classOf(size);
    FreeList& fl = t_lists;
    if (fl.counts[c] >= kMaxCached) {
        ::operator delete(p);
        return;
    }
    auto* n = static_cast<FreeList::Node*>(p);
    n->next = fl.heads[c];
    fl.heads[c] = n;
    ++fl.counts[c];
}

} // namespace vigil::pool

namespace vigil::detail {

void* allocateFrame(std::size_t size) { return pool::allocate(size); }

void freeFrame(void* p, std::size_t size) noexcept { pool::deallocate(p, size); }

} // namespace vigil::detail
