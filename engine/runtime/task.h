#pragma once

// Task<T>: the coroutine type of native process bodies. Tasks start suspended, are awaited by their caller
// (symmetric transfer, so deep call chains do not grow the native stack) and propagate exceptions.
// The runtime resumes the innermost suspended task of a process directly; see ProcessContext::receive.

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace vigil {

namespace detail {

struct TaskPromiseBase {
    std::coroutine_handle<> continuation;
    std::exception_ptr exception;

    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
        bool await_ready() noexcept { return false; }
        template <typename P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept
        {
            auto c = h.promise().continuation;
            return c ? c : std::noop_coroutine();
        }
        void await_resume() noexcept { }
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { exception = std::current_exception(); }

    // Frames come from a size-class pool: processes are spawned and destroyed at high rates.
    static void* operator new(std::size_t size);
    static void operator delete(void* p, std::size_t size) noexcept;
};

void* allocateFrame(std::size_t size);
void freeFrame(void* p, std::size_t size) noexcept;

inline void* TaskPromiseBase::operator new(std::size_t size) { return allocateFrame(size); }
inline void TaskPromiseBase::operator delete(void* p, std::size_t size) noexcept { freeFrame(p, size); }

} // namespace detail

template <typename T = void>
class [[nodiscard]] Task {
public:
    struct promise_type : detail::TaskPromiseBase {
        std::optional<T> value;
        Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
        template <typename U>
        void return_value(U&& v)
        {
            value.emplace(std::forward<U>(v));
        }
    };

    Task(Task&& o) noexcept
        : m_h(std::exchange(o.m_h, {}))
    {
    }
    Task& operator=(Task&& o) noexcept
    {
        if (this != &o) {
            if (m_h)
                m_h.destroy();
            m_h = std::exchange(o.m_h, {});
        }
        return *this;
    }
    ~Task()
    {
        if (m_h)
            m_h.destroy();
    }

    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept
    {
        m_h.promise().continuation = caller;
        return m_h;
    }
    T await_resume()
    {
        if (m_h.promise().exception)
            std::rethrow_exception(m_h.promise().exception);
        return std::move(*m_h.promise().value);
    }

    std::coroutine_handle<promise_type> handle() const { return m_h; }
    std::coroutine_handle<promise_type> release() { return std::exchange(m_h, {}); }

private:
    explicit Task(std::coroutine_handle<promise_type> h)
        : m_h(h)
    {
    }
    std::coroutine_handle<promise_type> m_h;
};

template <>
class [[nodiscard]] Task<void> {
public:
    struct promise_type : detail::TaskPromiseBase {
        Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
        void return_void() { }
    };

    Task(Task&& o) noexcept
        : m_h(std::exchange(o.m_h, {}))
    {
    }
    Task& operator=(Task&& o) noexcept
    {
        if (this != &o) {
            if (m_h)
                m_h.destroy();
            m_h = std::exchange(o.m_h, {});
        }
        return *this;
    }
    ~Task()
    {
        if (m_h)
            m_h.destroy();
    }

    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept
    {
        m_h.promise().continuation = caller;
        return m_h;
    }
    void await_resume()
    {
        if (m_h.promise().exception)
            std::rethrow_exception(m_h.promise().exception);
    }

    std::coroutine_handle<promise_type> handle() const { return m_h; }
    std::coroutine_handle<promise_type> release() { return std::exchange(m_h, {}); }

private:
    explicit Task(std::coroutine_handle<promise_type> h)
        : m_h(h)
    {
    }
    std::coroutine_handle<promise_type> m_h;
};

} // namespace vigil
