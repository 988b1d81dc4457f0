#pragma once

// A value or an error, as engine APIs return them (errors are values, never exceptions across the API).

#include <cassert>
#include <utility>
#include <variant>

namespace vigil {

template <typename E>
struct Unexpected {
    E error;
};

template <typename E>
Unexpected<std::decay_t<E>> unexpected(E&& e)
{
    return { std::forward<E>(e) };
}

template <typename T, typename E>
class Expected {
public:
    Expected(T value)
        : m_v(std::in_place_index<0>, std::move(value))
    {
    }
    template <typename U>
    Expected(Unexpected<U> e)
        : m_v(std::in_place_index<1>, E(std::move(e.error)))
    {
    }
    bool hasValue() const { return m_v.index() == 0; }
    explicit operator bool() const { return hasValue(); }
    T& value()
    {
        assert(hasValue());
        return std::get<0>(m_v);
    }
    const T& value() const
    {
        assert(hasValue());
        return std::get<0>(m_v);
    }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const E& error() const
    {
        assert(!hasValue());
        return std::get<1>(m_v);
    }

private:
    std::variant<T, E> m_v;
};

} // namespace vigil
