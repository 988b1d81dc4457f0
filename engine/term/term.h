#pragma once

// Immutable dynamic values with Erlang/Elixir semantics.
//
// A Term is 16 bytes: a type tag and either an immediate (integer, float, atom, reference) or a pointer to an
// immutable, atomically reference-counted heap object. Terms are shared between processes and threads without
// copying; nothing reachable from a Term is ever mutated after construction.

#include "runtime/pool.h"

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace vigil {

class Term;

// Interned atom: an index into the global atom table.
class Atom {
public:
    constexpr Atom() = default;
    constexpr explicit Atom(uint32_t index)
        : m_index(index)
    {
    }
    // Interns name (thread-safe). The table never shrinks.
    static Atom intern(std::string_view name);
    // Returns the atom if it already exists, without creating it.
    static bool lookup(std::string_view name, Atom& out);
    std::string_view name() const;
    constexpr uint32_t index() const { return m_index; }
    constexpr bool operator==(const Atom&) const = default;

private:
    uint32_t m_index = 0;
};

// Atoms every part of the engine uses; their indices are fixed at start-up.
namespace atoms {
#define VIGIL_COMMON_ATOMS(X)                                                                                        \
    X(nil, "nil")                                                                                                   \
    X(true_, "true")                                                                                                \
    X(false_, "false")                                                                                              \
    X(ok, "ok")                                                                                                     \
    X(error, "error")                                                                                               \
    X(normal, "normal")                                                                                             \
    X(kill, "kill")                                                                                                 \
    X(killed, "killed")                                                                                             \
    X(shutdown, "shutdown")                                                                                         \
    X(noproc, "noproc")                                                                                             \
    X(EXIT, "EXIT")                                                                                                 \
    X(DOWN, "DOWN")                                                                                                 \
    X(process, "process")                                                                                           \
    X(undefined, "undefined")                                                                                       \
    X(infinity, "infinity")                                                                                         \
    X(timeout, "timeout")                                                                                           \
    X(badarg, "badarg")                                                                                             \
    X(badarith, "badarith")                                                                                         \
    X(badmatch, "badmatch")                                                                                         \
    X(function_clause, "function_clause")                                                                           \
    X(case_clause, "case_clause")                                                                                   \
    X(undef, "undef")                                                                                               \
    X(running, "running")                                                                                           \
    X(runnable, "runnable")                                                                                         \
    X(waiting, "waiting")                                                                                           \
    X(exiting, "exiting")                                                                                           \
    X(suspended, "suspended")                                                                                       \
    X(links, "links")                                                                                               \
    X(monitors, "monitors")                                                                                         \
    X(monitored_by, "monitored_by")                                                                                 \
    X(message_queue_len, "message_queue_len")                                                                       \
    X(messages, "messages")                                                                                         \
    X(status, "status")                                                                                             \
    X(trap_exit, "trap_exit")                                                                                       \
    X(registered_name, "registered_name")                                                                           \
    X(memory, "memory")                                                                                             \
    X(reductions, "reductions")                                                                                     \
    X(current_function, "current_function")                                                                         \
    X(initial_call, "initial_call")                                                                                 \
    X(dictionary, "dictionary")                                                                                     \
    X(nonode, "nonode@nohost")                                                                                      \
    X(struct_, "__struct__")                                                                                        \
    X(exception_, "__exception__")                                                                                  \
    X(message, "message")                                                                                           \
    X(permanent, "permanent")                                                                                       \
    X(transient, "transient")                                                                                       \
    X(temporary, "temporary")                                                                                       \
    X(brutal_kill, "brutal_kill")                                                                                   \
    X(worker, "worker")                                                                                             \
    X(supervisor, "supervisor")                                                                                     \
    X(one_for_one, "one_for_one")                                                                                   \
    X(one_for_all, "one_for_all")                                                                                   \
    X(rest_for_one, "rest_for_one")                                                                                 \
    X(ignore, "ignore")                                                                                             \
    X(stop, "stop")                                                                                                 \
    X(reply, "reply")                                                                                               \
    X(noreply, "noreply")                                                                                           \
    X(call, "$gen_call")                                                                                            \
    X(cast, "$gen_cast")

enum : uint32_t {
#define VIGIL_ATOM_ENUM(id, text) id##_index,
    VIGIL_COMMON_ATOMS(VIGIL_ATOM_ENUM)
#undef VIGIL_ATOM_ENUM
        count_
};
#define VIGIL_ATOM_CONST(id, text) inline constexpr Atom id { id##_index };
VIGIL_COMMON_ATOMS(VIGIL_ATOM_CONST)
#undef VIGIL_ATOM_CONST
} // namespace atoms

// Base of every heap-allocated term object. Allocated from the runtime's small-object pool (the virtual destructor
// gives the sized delete the dynamic type's size).
struct HeapObject {
    mutable std::atomic<uint32_t> refs { 1 };
    virtual ~HeapObject() = default;
    static void* operator new(std::size_t size) { return pool::allocate(size); }
    static void operator delete(void* p, std::size_t size) noexcept { pool::deallocate(p, size); }
};

// A process identity. The runtime's process type derives from this; a Pid term keeps it alive.
struct PidObject : HeapObject {
    explicit PidObject(uint64_t serial)
        : serial(serial)
    {
    }
    const uint64_t serial;
};

// A function value (closure). Subclassed by the native API and the script interpreter.
struct FunObject : HeapObject {
    virtual int arity() const = 0;
    // Text after "#Function<", e.g. "0.120620954/1 in Cache.start/0".
    virtual std::string describe() const = 0;
    // Identity used for ordering and equality (functions compare by identity of their code and environment).
    virtual uint64_t identity() const { return reinterpret_cast<uintptr_t>(this); }
};

class Term {
public:
    // Declared in Erlang term order: number < atom < reference < fun < pid < tuple < map < [] < list < bitstring.
    enum class Type : uint8_t { Integer, Float, Atom, Reference, Fun, Pid, Tuple, Map, Nil, Cons, Binary };
    // The types whose value is a reference-counted heap object, one bit each: a copy or a destructor tests one bit.
    static constexpr uint32_t kBoxedTypes = 1u << unsigned(Type::Fun) | 1u << unsigned(Type::Pid)
        | 1u << unsigned(Type::Tuple) | 1u << unsigned(Type::Map) | 1u << unsigned(Type::Cons)
        | 1u << unsigned(Type::Binary);

    Term() noexcept
        : m_type(Type::Atom)
    {
        m_u.bits = 0;
        m_u.atom = atoms::nil.index();
    }
    Term(const Term& other) noexcept
        : m_type(other.m_type)
        , m_u(other.m_u)
    {
        if (isBoxed())
            m_u.obj->refs.fetch_add(1, std::memory_order_relaxed);
    }
    Term(Term&& other) noexcept
        : m_type(other.m_type)
        , m_u(other.m_u)
    {
        other.m_type = Type::Nil;
    }
    Term& operator=(const Term& other) noexcept
    {
        if (this != &other) {
            Term tmp(other);
            swap(tmp);
        }
        return *this;
    }
    Term& operator=(Term&& other) noexcept
    {
        if (this != &other) {
            Term tmp(std::move(other));
            swap(tmp);
        }
        return *this;
    }
    ~Term()
    {
        if (isBoxed())
            release();
    }
    void swap(Term& other) noexcept
    {
        std::swap(m_type, other.m_type);
        std::swap(m_u, other.m_u);
    }

    // Construction
    static Term integer(int64_t v)
    {
        Term t(Type::Integer);
        t.m_u.i = v;
        return t;
    }
    static Term floating(double v)
    {
        Term t(Type::Float);
        t.m_u.d = v;
        return t;
    }
    static Term atom(Atom a)
    {
        Term t(Type::Atom);
        t.m_u.atom = a.index();
        return t;
    }
    static Term atom(std::string_view name) { return atom(Atom::intern(name)); }
    static Term boolean(bool b) { return atom(b ? atoms::true_ : atoms::false_); }
    static Term nil() { return atom(atoms::nil); }
    static Term emptyList() { return Term(Type::Nil); }
    // A fresh, never-repeated reference.
    static Term makeRef();
    static Term reference(uint64_t id)
    {
        Term t(Type::Reference);
        t.m_u.ref = id;
        return t;
    }
    static Term binary(std::string_view bytes);
    static Term tuple(std::initializer_list<Term> elems);
    static Term tuple(std::vector<Term> elems);
    // Term::tuple(a, b, ...): elements are moved in (an initializer list can only be copied from), which spares a
    // reference-count round trip per heap element on hot paths.
    template <typename... Ts>
        requires(sizeof...(Ts) >= 2 && (std::is_constructible_v<Term, Ts&&> && ...))
    static Term tuple(Ts&&... elems)
    {
        Term parts[] = { Term(std::forward<Ts>(elems))... };
        return tupleMoving(parts, sizeof...(Ts));
    }
    static Term tupleMoving(Term* elems, size_t n); // moves elems[0..n) into a new tuple
    static Term list(std::initializer_list<Term> elems);
    static Term list(std::vector<Term> elems, Term tail = Term::emptyList());
    static Term cons(Term head, Term tail);
    // Keys may come in any order; later duplicates win.
    static Term map(std::vector<std::pair<Term, Term>> entries);
    // Adopts one reference to obj (which must have been created with refs == 1 or been retained).
    static Term pid(PidObject* obj, bool adopt = false);
    static Term fun(FunObject* obj, bool adopt = true);

    // Inspection
    Type type() const { return m_type; }
    bool isInteger() const { return m_type == Type::Integer; }
    bool isFloat() const { return m_type == Type::Float; }
    bool isNumber() const { return m_type == Type::Integer || m_type == Type::Float; }
    bool isAtom() const { return m_type == Type::Atom; }
    bool isAtom(Atom a) const { return m_type == Type::Atom && m_u.atom == a.index(); }
    bool isNilAtom() const { return isAtom(atoms::nil); }
    bool isBool() const { return isAtom(atoms::true_) || isAtom(atoms::false_); }
    bool isTruthy() const { return !(isAtom(atoms::nil) || isAtom(atoms::false_)); }
    bool isReference() const { return m_type == Type::Reference; }
    bool isPid() const { return m_type == Type::Pid; }
    bool isFun() const { return m_type == Type::Fun; }
    bool isTuple() const { return m_type == Type::Tuple; }
    bool isTuple(size_t n) const;
    bool isMap() const { return m_type == Type::Map; }
    bool isEmptyList() const { return m_type == Type::Nil; }
    bool isCons() const { return m_type == Type::Cons; }
    bool isList() const { return m_type == Type::Nil || m_type == Type::Cons; }
    bool isBinary() const { return m_type == Type::Binary; }

    int64_t asInteger() const { return m_u.i; }
    double asFloat() const { return m_u.d; }
    double asNumber() const { return m_type == Type::Integer ? double(m_u.i) : m_u.d; }
    Atom asAtom() const { return Atom(m_u.atom); }
    uint64_t asReference() const { return m_u.ref; }
    PidObject* asPidObject() const { return static_cast<PidObject*>(m_u.obj); }
    uint64_t pidSerial() const { return asPidObject()->serial; }
    FunObject* asFun() const { return static_cast<FunObject*>(m_u.obj); }
    std::string_view asBinary() const;

    // Tuples
    size_t tupleSize() const;
    const Term& element(size_t i) const; // 0-based
    const Term* tupleBegin() const;

    // Lists
    const Term& head() const;
    const Term& tail() const;
    // Elements of a proper list; returns false (and leaves out untouched) for improper lists.
    bool toVector(std::vector<Term>& out) const;
    bool isProperList() const;
    size_t listLength() const; // of a proper list

    // Maps (entries sorted by exact term order)
    size_t mapSize() const;
    const std::pair<Term, Term>* mapBegin() const;
    const Term* mapGet(const Term& key) const;
    Term mapPut(const Term& key, const Term& value) const;
    Term mapRemove(const Term& key) const;

    // Elixir inspect/1 text (see print.cpp).
    std::string inspect() const;

    // Exact equality (===): 1 and 1.0 differ.
    bool operator==(const Term& other) const;
    bool operator!=(const Term& other) const { return !(*this == other); }

    // Raw payload for hashing.
    uint64_t rawBits() const { return m_u.bits; }
    bool isBoxed() const { return (kBoxedTypes >> unsigned(m_type)) & 1u; }
    const HeapObject* heapObject() const { return m_u.obj; }

    // A term's ownership as plain data, for buffers that store terms as bytes: take() hands over this term's value
    // and reference and leaves it [] (as a move would); adopt() takes such a value back. Every taken value must be
    // adopted exactly once, or its reference leaks.
    struct Taken {
        Type type;
        uint64_t bits;
    };
    Taken take() noexcept
    {
        const Taken t { m_type, m_u.bits };
        m_type = Type::Nil;
        return t;
    }
    static Term adopt(Type type, uint64_t bits) noexcept
    {
        Term t(type);
        t.m_u.bits = bits;
        return t;
    }

private:
    explicit Term(Type t) noexcept
        : m_type(t)
    {
        m_u.bits = 0;
    }
    void release() noexcept;

    Type m_type;
    union {
        int64_t i;
        double d;
        uint32_t atom;
        uint64_t ref;
        HeapObject* obj;
        uint64_t bits;
    } m_u;
};

// Erlang term order. Arithmetic comparison: 1 == 1.0 compares equal here (returns 0), as Erlang's == does.
int compareTerms(const Term& a, const Term& b);
// Exact term order (=:=): integers sort before equal floats; used for map keys.
int compareTermsExact(const Term& a, const Term& b);
// Erlang == (arithmetic equality).
inline bool looseEquals(const Term& a, const Term& b) { return compareTerms(a, b) == 0; }

size_t hashTerm(const Term& t);

// Helpers that build common shapes.
inline Term okTuple(Term v) { return Term::tuple({ Term::atom(atoms::ok), std::move(v) }); }
inline Term errorTuple(Term v) { return Term::tuple({ Term::atom(atoms::error), std::move(v) }); }

// Heap layouts (exposed for the printer, parser and interpreter; treat as read-only).
// Elements live in the object itself for small tuples (one allocation per tuple), see TupleOf in term.cpp.
struct TupleObject : HeapObject {
    uint32_t count = 0;
    Term* elems = nullptr;
};
struct ConsObject : HeapObject {
    Term head;
    Term tail;
    ~ConsObject() override;
};
struct BinaryObject : HeapObject {
    std::string bytes;
};
struct MapObject : HeapObject {
    std::vector<std::pair<Term, Term>> entries; // sorted by compareTermsExact on keys, unique keys
};

} // namespace vigil
