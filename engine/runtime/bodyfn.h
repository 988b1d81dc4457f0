#pragma once

// BodyFn: the callable that starts a native process, Task<void>(ProcessContext&). Like std::function, but captures
// up to 32 bytes are stored inline and larger ones come from the runtime's pool: spawning a process with a few
// captured values then costs no general-purpose allocation.

#include "runtime/pool.h"
#include "runtime/task.h"

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace vigil {

class ProcessContext;

class BodyFn {
public:
    BodyFn() noexcept = default;
    BodyFn(std::nullptr_t) noexcept { }

    template <typename F>
        requires(!std::is_same_v<std::decay_t<F>, BodyFn> && std::is_invocable_r_v<Task<void>, std::decay_t<F>&, ProcessContext&>)
    BodyFn(F&& f)
    {
        using Fn = std::decay_t<F>;
        if constexpr (sizeof(Fn) <= kInline && alignof(Fn) <= alignof(void*)
            && std::is_nothrow_move_constructible_v<Fn>) {
            ::new (static_cast<void*>(m_storage)) Fn(std::forward<F>(f));
            m_ops = &inlineOps<Fn>;
        } else {
            void* mem = pool::allocate(sizeof(Fn));
            try {
                ::new (mem) Fn(std::forward<F>(f));
            } catch (...) {
                pool::deallocate(mem, sizeof(Fn));
                throw;
            }
            *reinterpret_cast<void**>(m_storage) = mem;
            m_ops = &heapOps<Fn>;
        }
    }

    BodyFn(const BodyFn& o)
        : m_ops(o.m_ops)
    {
        if (m_ops)
            m_ops->copy(m_storage, o.m_storage);
    }
    BodyFn(BodyFn&& o) noexcept
        : m_ops(o.m_ops)
    {
        if (m_ops) {
            m_ops->move(m_storage, o.m_storage);
            o.m_ops = nullptr;
        }
    }
    BodyFn& operator=(const BodyFn& o)
    {
        if (this != &o) {
            BodyFn tmp(o);
            *this = std::move(tmp);
        }
        return *this;
    }
    BodyFn& operator=(BodyFn&& o) noexcept
    {
        if (this != &o) {
            reset();
            m_ops = o.m_ops;
            if (m_ops) {
                m_ops->move(m_storage, o.m_storage);
                o.m_ops = nullptr;
            }
        }
        return *this;
    }
    ~BodyFn() { reset(); }

    explicit operator bool() const noexcept { return m_ops != nullptr; }
    Task<void> operator()(ProcessContext& ctx) { return m_ops->invoke(m_storage, ctx); }
    void reset() noexcept
    {
        if (m_ops) {
            m_ops->destroy(m_storage);
            m_ops = nullptr;
        }
    }

private:
    static constexpr std::size_t kInline = 32;
    struct Ops {
        Task<void> (*invoke)(void* self, ProcessContext& ctx);
        void (*move)(void* to, void* from) noexcept; // leaves `from` destroyed
        void (*copy)(void* to, const void* from);
        void (*destroy)(void* self) noexcept;
    };

    template <typename Fn>
    static constexpr Ops inlineOps {
        [](void* self, ProcessContext& ctx) { return (*static_cast<Fn*>(self))(ctx); },
        [](void* to, void* from) noexcept {
            ::new (to) Fn(std::move(*static_cast<Fn*>(from)));
            static_cast<Fn*>(from)->~Fn();
        },
        [](void* to, const void* from) {
            if constexpr (std::is_copy_constructible_v<Fn>)
                ::new (to) Fn(*static_cast<const Fn*>(from));
        },
        [](void* self) noexcept { static_cast<Fn*>(self)->~Fn(); },
    };

    template <typename Fn>
    static Fn* heapObject(const void* storage)
    {
        return static_cast<Fn*>(*static_cast<void* const*>(storage));
    }

    template <typename Fn>
    static constexpr Ops heapOps {
        [](void* self, ProcessContext& ctx) { return (*heapObject<Fn>(self))(ctx); },
        [](void* to, void* from) noexcept { *static_cast<void**>(to) = *static_cast<void**>(from); },
        [](void* to, const void* from) {
            if constexpr (std::is_copy_constructible_v<Fn>) {
                void* mem = pool::allocate(sizeof(Fn));
                ::new (mem) Fn(*heapObject<Fn>(from));
                *static_cast<void**>(to) = mem;
            }
        },
        [](void* self) noexcept {
            Fn* f = heapObject<Fn>(self);
            f->~Fn();
            pool::deallocate(f, sizeof(Fn));
        },
    };

    alignas(void*) unsigned char m_storage[kInline];
    const Ops* m_ops = nullptr;
};

} // namespace vigil
