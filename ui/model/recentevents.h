#pragma once

// The last few trace events about one process, oldest first: one pointer wide, with the events in a single block
// that grows up to the limit it is given and then wraps round, overwriting the oldest. The graph state keeps one per
// process; at a million processes a std::vector's two extra words are 16 MB, and dropping the oldest of a full
// vector moved every event after it.

#include "trace/event.h"

#include <algorithm>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace vigil {

class RecentEvents {
public:
    RecentEvents() = default;
    RecentEvents(const RecentEvents& o)
    {
        if (o.m_b) {
            m_b = allocate(o.m_b->capacity);
            for (size_t i = 0; i < o.size(); ++i)
                append(o[i]);
        }
    }
    RecentEvents(RecentEvents&& o) noexcept
        : m_b(std::exchange(o.m_b, nullptr))
    {
    }
    RecentEvents& operator=(const RecentEvents& o)
    {
        if (this != &o) {
            RecentEvents copy(o);
            std::swap(m_b, copy.m_b);
        }
        return *this;
    }
    RecentEvents& operator=(RecentEvents&& o) noexcept
    {
        if (this != &o) {
            clear();
            m_b = std::exchange(o.m_b, nullptr);
        }
        return *this;
    }
    ~RecentEvents() { clear(); }

    size_t size() const { return m_b ? m_b->size : 0; }
    bool empty() const { return size() == 0; }
    // 0 is the oldest.
    const TraceEvent& operator[](size_t i) const { return m_b->items()[(m_b->head + i) % m_b->capacity]; }
    const TraceEvent& back() const { return (*this)[size() - 1]; }

    // Adds e as the newest; with `limit` events already held, the oldest goes. A limit of 0 keeps nothing.
    void push(const TraceEvent& e, size_t limit)
    {
        if (limit == 0) {
            clear();
            return;
        }
        limit = std::min<size_t>(limit, UINT32_MAX);
        const size_t n = size();
        if (n == limit && n == m_b->capacity) { // full: the newest takes the oldest's place
            m_b->items()[m_b->head] = e;
            m_b->head = (m_b->head + 1) % m_b->capacity;
            return;
        }
        if (!m_b || n == m_b->capacity || n >= limit) {
            // Grow (doubling, up to the limit), or keep the newest limit - 1 when the limit fell to what is held or
            // below. e is copied first: it may be one of the events about to move.
            TraceEvent newest(e);
            const size_t keep = n < limit ? n : limit - 1;
            const size_t capacity = n < limit ? std::min(limit, std::max<size_t>(1, 2 * n)) : limit;
            RecentEvents grown;
            grown.m_b = allocate(capacity);
            for (size_t i = n - keep; i < n; ++i)
                grown.append(std::move(at(i)));
            std::swap(m_b, grown.m_b);
            append(std::move(newest));
            return;
        }
        append(e);
    }

    std::vector<TraceEvent> toVector() const
    {
        std::vector<TraceEvent> v;
        v.reserve(size());
        for (size_t i = 0; i < size(); ++i)
            v.push_back((*this)[i]);
        return v;
    }

    void clear()
    {
        if (!m_b)
            return;
        for (size_t i = 0; i < m_b->size; ++i)
            at(i).~TraceEvent();
        ::operator delete(m_b);
        m_b = nullptr;
    }

private:
    struct alignas(TraceEvent) Block {
        uint32_t capacity;
        uint32_t size;
        uint32_t head; // where the oldest is
        TraceEvent* items() { return reinterpret_cast<TraceEvent*>(this + 1); }
        const TraceEvent* items() const { return reinterpret_cast<const TraceEvent*>(this + 1); }
    };
    static_assert(sizeof(Block) % alignof(TraceEvent) == 0, "events follow the header");
    static_assert(alignof(Block) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "operator new aligns the block");
    // A copy that threw half-way would leave events nobody destroys.
    static_assert(std::is_nothrow_copy_constructible_v<TraceEvent>, "copies cannot fail half-way");

    static Block* allocate(size_t capacity)
    {
        void* raw = ::operator new(sizeof(Block) + capacity * sizeof(TraceEvent));
        return new (raw) Block { uint32_t(capacity), 0, 0 };
    }
    TraceEvent& at(size_t i) { return m_b->items()[(m_b->head + i) % m_b->capacity]; }
    // Room is known to be there.
    template <class E>
    void append(E&& e)
    {
        new (&m_b->items()[(m_b->head + m_b->size) % m_b->capacity]) TraceEvent(std::forward<E>(e));
        ++m_b->size;
    }

    Block* m_b = nullptr;
};

} // namespace vigil
