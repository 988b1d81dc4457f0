#pragma once

// A vector that is empty for most objects holding it (a process's links, monitors, tree children): one pointer wide
// instead of std::vector's three, with its size and capacity in front of the elements on the heap, so a non-empty
// one still costs a single allocation. The graph state keeps five per process; at a million processes that is 80 MB
// less. For trivially copyable elements only (pids, monitor edges): growing moves them with memcpy.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace vigil {

template <class T>
class CompactVector {
    static_assert(std::is_trivially_copyable_v<T>, "elements are moved with memcpy");
    static_assert(alignof(T) <= 8, "elements follow an 8-byte header");

public:
    using value_type = T;
    using size_type = size_t;
    using iterator = T*;
    using const_iterator = const T*;
    using reverse_iterator = std::reverse_iterator<T*>;
    using const_reverse_iterator = std::reverse_iterator<const T*>;

    CompactVector() = default;
    CompactVector(std::initializer_list<T> values) { assign(values.begin(), values.end()); }
    explicit CompactVector(const std::vector<T>& v) { assign(v.data(), v.data() + v.size()); }
    CompactVector(const CompactVector& o) { assign(o.begin(), o.end()); }
    CompactVector(CompactVector&& o) noexcept
        : m_h(o.m_h)
    {
        o.m_h = nullptr;
    }
    ~CompactVector() { release(); }
    CompactVector& operator=(const CompactVector& o)
    {
        if (this != &o)
            assign(o.begin(), o.end());
        return *this;
    }
    CompactVector& operator=(CompactVector&& o) noexcept
    {
        if (this != &o) {
            release();
            m_h = o.m_h;
            o.m_h = nullptr;
        }
        return *this;
    }
    CompactVector& operator=(const std::vector<T>& v)
    {
        assign(v.data(), v.data() + v.size());
        return *this;
    }
    // A copy as a std::vector (no implicit conversion, so that no copy is made by accident where a reference was
    // meant).
    std::vector<T> toVector() const { return std::vector<T>(begin(), end()); }

    size_t size() const { return m_h ? m_h->size : 0; }
    bool empty() const { return size() == 0; }
    size_t capacity() const { return m_h ? m_h->capacity : 0; }
    T* data() { return m_h ? elements() : nullptr; }
    const T* data() const { return m_h ? elements() : nullptr; }
    T* begin() { return data(); }
    T* end() { return data() + size(); }
    const T* begin() const { return data(); }
    const T* end() const { return data() + size(); }
    reverse_iterator rbegin() { return reverse_iterator(end()); }
    reverse_iterator rend() { return reverse_iterator(begin()); }
    const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
    const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }
    T& operator[](size_t i) { return elements()[i]; }
    const T& operator[](size_t i) const { return elements()[i]; }
    T& front() { return elements()[0]; }
    const T& front() const { return elements()[0]; }
    T& back() { return elements()[size() - 1]; }
    const T& back() const { return elements()[size() - 1]; }

    void reserve(size_t n)
    {
        if (n > capacity())
            reallocate(n);
    }
    void push_back(const T& v)
    {
        const T copy = v; // v may be an element of this vector, which growing moves
        if (size() == capacity())
            reallocate(grown(size() + 1));
        elements()[m_h->size++] = copy;
    }
    T* insert(const T* pos, const T& v)
    {
        const size_t at = size_t(pos - begin());
        const T copy = v;
        if (size() == capacity())
            reallocate(grown(size() + 1));
        T* p = elements() + at;
        std::memmove(p + 1, p, (m_h->size - at) * sizeof(T));
        *p = copy;
        ++m_h->size;
        return p;
    }
    // [first, last) must not point into this vector.
    template <class It>
    T* insert(const T* pos, It first, It last)
    {
        const size_t at = size_t(pos - begin());
        const size_t count = size_t(std::distance(first, last));
        if (count == 0)
            return begin() + at;
        if (size() + count > capacity())
            reallocate(grown(size() + count));
        T* p = elements() + at;
        std::memmove(p + count, p, (m_h->size - at) * sizeof(T));
        std::copy(first, last, p);
        m_h->size += uint32_t(count);
        return p;
    }
    T* erase(const T* pos) { return erase(pos, pos + 1); }
    // Erases the elements `pred` holds for, keeping the others in order; returns how many went.
    template <class Pred>
    size_t eraseIf(Pred pred)
    {
        T* kept = std::remove_if(begin(), end(), pred);
        const size_t gone = size_t(end() - kept);
        erase(kept, end());
        return gone;
    }
    T* erase(const T* first, const T* last)
    {
        const size_t from = size_t(first - begin());
        const size_t count = size_t(last - first);
        if (count == 0)
            return begin() + from;
        T* p = elements() + from;
        std::memmove(p, p + count, (m_h->size - from - count) * sizeof(T));
        m_h->size -= uint32_t(count);
        if (m_h->size == 0)
            release(); // an emptied vector takes no memory, like a never-used one
        return begin() + from;
    }
    void clear() { release(); }

    friend bool operator==(const CompactVector& a, const CompactVector& b)
    {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }
    friend bool operator==(const CompactVector& a, const std::vector<T>& b)
    {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

private:
    struct Header {
        uint32_t size;
        uint32_t capacity;
    };
    T* elements() const { return reinterpret_cast<T*>(reinterpret_cast<char*>(m_h) + sizeof(Header)); }
    static size_t grown(size_t needed)
    {
        if (needed > UINT32_MAX)
            throw std::length_error("CompactVector holds at most 2^32 - 1 elements");
        return std::min<size_t>(UINT32_MAX, std::max<size_t>(needed, std::max<size_t>(2, 2 * needed - 2)));
    }
    void reallocate(size_t cap)
    {
        if (cap > UINT32_MAX)
            throw std::length_error("CompactVector holds at most 2^32 - 1 elements");
        auto* h = static_cast<Header*>(::operator new(sizeof(Header) + cap * sizeof(T)));
        h->size = uint32_t(size());
        h->capacity = uint32_t(cap);
        if (m_h) {
            std::memcpy(reinterpret_cast<char*>(h) + sizeof(Header), elements(), m_h->size * sizeof(T));
            ::operator delete(m_h);
        }
        m_h = h;
    }
    void assign(const T* first, const T* last)
    {
        const size_t n = size_t(last - first);
        if (n == 0) {
            release();
            return;
        }
        if (n > capacity()) {
            release();
            reallocate(n);
        }
        std::memmove(elements(), first, n * sizeof(T)); // (within capacity, first may point into this vector)
        m_h->size = uint32_t(n);
    }
    void release()
    {
        ::operator delete(m_h);
        m_h = nullptr;
    }
    Header* m_h = nullptr;
};

} // namespace vigil
