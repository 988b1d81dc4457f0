#include "term/term.h"

#include <algorithm>
#include <array>
#include <memory>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace vigil {

namespace {

// Atom names live in fixed chunks so readers need no lock: a chunk pointer, once published, never changes.
class AtomTable {
public:
    static constexpr uint32_t kChunkBits = 12;
    static constexpr uint32_t kChunkSize = 1u << kChunkBits;
    static constexpr uint32_t kMaxChunks = 256; // 1,048,576 atoms, as the BEAM allows

    AtomTable()
    {
        static const char* const common[] = {
#define VIGIL_ATOM_NAME(id, text) text,
            VIGIL_COMMON_ATOMS(VIGIL_ATOM_NAME)
#undef VIGIL_ATOM_NAME
        };
        for (const char* name : common)
            internLocked(name);
    }
    ~AtomTable()
    {
        for (auto& c : m_chunks)
            delete[] c.load();
    }

    uint32_t intern(std::string_view name)
    {
        std::lock_guard lock(m_mutex);
        return internLocked(name);
    }
    bool lookup(std::string_view name, uint32_t& out)
    {
        std::lock_guard lock(m_mutex);
        auto it = m_index.find(name);
        if (it == m_index.end())
            return false;
        out = it->second;
        return true;
    }
    std::string_view name(uint32_t index) const
    {
        const std::string* chunk = m_chunks[index >> kChunkBits].load(std::memory_order_acquire);
        return chunk[index & (kChunkSize - 1)];
    }

private:
    uint32_t internLocked(std::string_view name)
    {
        auto it = m_index.find(name);
        if (it != m_index.end())
            return it->second;
        const uint32_t index = m_count;
        const uint32_t chunkNo = index >> kChunkBits;
        if (chunkNo >= kMaxChunks)
            throw std::length_error("atom table full");
        std::string* chunk = m_chunks[chunkNo].load(std::memory_order_relaxed);
        if (!chunk) {
            chunk = new std::string[kChunkSize];
            m_chunks[chunkNo].store(chunk, std::memory_order_release);
        }
        chunk[index & (kChunkSize - 1)] = std::string(name);
        m_index.emplace(std::string_view(chunk[index & (kChunkSize - 1)]), index);
        ++m_count;
        return index;
    }

    std::mutex m_mutex;
    std::unordered_map<std::string_view, uint32_t> m_index;
    std::atomic<std::string*> m_chunks[kMaxChunks] {};
    uint32_t m_count = 0;
};

AtomTable& atomTable()
{
    static AtomTable table;
    return table;
}

std::atomic<uint64_t> g_refCounter { 1 };

// Rank of a type in Erlang term order; Integer and Float share the number rank.
int typeRank(Term::Type t)
{
    switch (t) {
    case Term::Type::Integer:
    case Term::Type::Float:
        return 0;
    case Term::Type::Atom:
        return 1;
    case Term::Type::Reference:
        return 2;
    case Term::Type::Fun:
        return 3;
    case Term::Type::Pid:
        return 4;
    case Term::Type::Tuple:
        return 5;
    case Term::Type::Map:
        return 6;
    case Term::Type::Nil:
        return 7;
    case Term::Type::Cons:
        return 8;
    case Term::Type::Binary:
        return 9;
    }
    return 10;
}

template <typename T> int cmp3(const T& a, const T& b) { return a < b ? -1 : (b < a ? 1 : 0); }

// Compares an integer with a float exactly (no rounding of large integers through double).
int compareIntFloat(int64_t i, double d)
{
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    const double whole = std::trunc(d);
    const auto w = static_cast<int64_t>(whole);
    if (i != w)
        return i < w ? -1 : 1;
    const double frac = d - whole;
    return frac > 0 ? -1 : (frac < 0 ? 1 : 0);
}

int compareNumbers(const Term& a, const Term& b, bool exact)
{
    if (a.isInteger() && b.isInteger())
        return cmp3(a.asInteger(), b.asInteger());
    if (a.isFloat() && b.isFloat())
        return cmp3(a.asFloat(), b.asFloat());
    // Mixed: compare as numbers; under exact order an integer sorts before an equal float.
    const int c
        = a.isInteger() ? compareIntFloat(a.asInteger(), b.asFloat()) : -compareIntFloat(b.asInteger(), a.asFloat());
    if (c == 0 && exact)
        return a.isInteger() ? -1 : 1;
    return c;
}

int compareImpl(const Term& a, const Term& b, bool exact)
{
    const int ra = typeRank(a.type());
    const int rb = typeRank(b.type());
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (a.type()) {
    case Term::Type::Integer:
    case Term::Type::Float:
        return compareNumbers(a, b, exact);
    case Term::Type::Atom:
        if (a.asAtom() == b.asAtom())
            return 0;
        return cmp3(a.asAtom().name(), b.asAtom().name());
    case Term::Type::Reference:
        return cmp3(a.asReference(), b.asReference());
    case Term::Type::Fun:
        return cmp3(a.asFun()->identity(), b.asFun()->identity());
    case Term::Type::Pid:
        return cmp3(a.pidSerial(), b.pidSerial());
    case Term::Type::Tuple: {
        if (a.tupleSize() != b.tupleSize())
            return a.tupleSize() < b.tupleSize() ? -1 : 1;
        for (size_t i = 0; i < a.tupleSize(); ++i)
            if (int c = compareImpl(a.element(i), b.element(i), exact))
                return c;
        return 0;
    }
    case Term::Type::Map: {
        // Maps order by size, then keys, then values (both in key order).
        if (a.mapSize() != b.mapSize())
            return a.mapSize() < b.mapSize() ? -1 : 1;
        const auto* ea = a.mapBegin();
        const auto* eb = b.mapBegin();
        for (size_t i = 0; i < a.mapSize(); ++i)
            if (int c = compareImpl(ea[i].first, eb[i].first, true))
                return c;
        for (size_t i = 0; i < a.mapSize(); ++i)
            if (int c = compareImpl(ea[i].second, eb[i].second, exact))
                return c;
        return 0;
    }
    case Term::Type::Nil:
        return 0;
    case Term::Type::Cons: {
        const Term* x = &a;
        const Term* y = &b;
        while (x->isCons() && y->isCons()) {
            if (int c = compareImpl(x->head(), y->head(), exact))
                return c;
            x = &x->tail();
            y = &y->tail();
        }
        return compareImpl(*x, *y, exact);
    }
    case Term::Type::Binary:
        return cmp3(a.asBinary(), b.asBinary());
    }
    return 0;
}

} // namespace

Atom Atom::intern(std::string_view name) { return Atom(atomTable().intern(name)); }

bool Atom::lookup(std::string_view name, Atom& out)
{
    uint32_t index = 0;
    if (!atomTable().lookup(name, index))
        return false;
    out = Atom(index);
    return true;
}

std::string_view Atom::name() const { return atomTable().name(m_index); }

Term Term::makeRef() { return reference(g_refCounter.fetch_add(1, std::memory_order_relaxed)); }

Term Term::binary(std::string_view bytes)
{
    auto* obj = new BinaryObject;
    obj->bytes.assign(bytes.data(), bytes.size());
    Term t(Type::Binary);
    t.m_u.obj = obj;
    return t;
}

namespace {

template <size_t N>
struct TupleOf final : TupleObject {
    std::array<Term, N> storage;
    TupleOf()
    {
        count = N;
        elems = storage.data();
    }
};

struct BigTuple final : TupleObject {
    std::unique_ptr<Term[]> storage;
    explicit BigTuple(size_t n)
        : storage(new Term[n])
    {
        count = uint32_t(n);
        elems = storage.get();
    }
};

TupleObject* newTuple(size_t n)
{
    switch (n) {
    case 0: return new TupleOf<0>;
    case 1: return new TupleOf<1>;
    case 2: return new TupleOf<2>;
    case 3: return new TupleOf<3>;
    case 4: return new TupleOf<4>;
    case 5: return new TupleOf<5>;
    case 6: return new TupleOf<6>;
    default: return new BigTuple(n);
    }
}

} // namespace

Term Term::tuple(std::initializer_list<Term> elems)
{
    TupleObject* obj = newTuple(elems.size());
    size_t i = 0;
    for (const Term& e : elems)
        obj->elems[i++] = e;
    Term t(Type::Tuple);
    t.m_u.obj = obj;
    return t;
}

Term Term::tupleMoving(Term* elems, size_t n)
{
    TupleObject* obj = newTuple(n);
    for (size_t i = 0; i < n; ++i)
        obj->elems[i] = std::move(elems[i]);
    Term t(Type::Tuple);
    t.m_u.obj = obj;
    return t;
}

Term Term::tuple(std::vector<Term> elems)
{
    TupleObject* obj = newTuple(elems.size());
    for (size_t i = 0; i < elems.size(); ++i)
        obj->elems[i] = std::move(elems[i]);
    Term t(Type::Tuple);
    t.m_u.obj = obj;
    return t;
}

Term Term::cons(Term head, Term tail)
{
    auto* obj = new ConsObject;
    obj->head = std::move(head);
    obj->tail = std::move(tail);
    Term t(Type::Cons);
    t.m_u.obj = obj;
    return t;
}

Term Term::list(std::initializer_list<Term> elems) { return list(std::vector<Term>(elems)); }

Term Term::list(std::vector<Term> elems, Term tail)
{
    Term result = std::move(tail);
    for (auto it = elems.rbegin(); it != elems.rend(); ++it)
        result = cons(std::move(*it), std::move(result));
    return result;
}

Term Term::map(std::vector<std::pair<Term, Term>> entries)
{
    // Stable sort keeps insertion order among equal keys so the last duplicate can win.
    std::stable_sort(entries.begin(), entries.end(),
        [](const auto& x, const auto& y) { return compareTermsExact(x.first, y.first) < 0; });
    auto* obj = new MapObject;
    obj->entries.reserve(entries.size());
    for (auto& e : entries) {
        if (!obj->entries.empty() && compareTermsExact(obj->entries.back().first, e.first) == 0)
            obj->entries.back().second = std::move(e.second);
        else
            obj->entries.push_back(std::move(e));
    }
    Term t(Type::Map);
    t.m_u.obj = obj;
    return t;
}

Term Term::pid(PidObject* obj, bool adopt)
{
    if (!adopt)
        obj->refs.fetch_add(1, std::memory_order_relaxed);
    Term t(Type::Pid);
    t.m_u.obj = obj;
    return t;
}

Term Term::fun(FunObject* obj, bool adopt)
{
    if (!adopt)
        obj->refs.fetch_add(1, std::memory_order_relaxed);
    Term t(Type::Fun);
    t.m_u.obj = obj;
    return t;
}

ConsObject::~ConsObject()
{
    // Unlink the tail iteratively so that dropping a long list cannot overflow the stack.
    Term next = std::move(tail);
    while (next.isCons()) {
        auto* cell = const_cast<ConsObject*>(static_cast<const ConsObject*>(next.heapObject()));
        if (cell->refs.load(std::memory_order_acquire) != 1)
            break; // shared: its owner releases the rest
        Term after = std::move(cell->tail);
        next = std::move(after);
    }
}

namespace {
// Objects freed while another object is being destroyed on this thread wait here, so that dropping a deeply nested
// term is a loop rather than a recursion. Plain pointers: thread_local objects with destructors could already be gone
// when a late Term dies at thread exit.
thread_local bool t_draining = false;
thread_local std::vector<HeapObject*>* t_pending = nullptr;
} // namespace

void Term::release() noexcept
{
    // A sole owner (count 1) needs no atomic read-modify-write: nobody else can add a reference meanwhile.
    if (m_u.obj->refs.load(std::memory_order_acquire) != 1 && m_u.obj->refs.fetch_sub(1, std::memory_order_acq_rel) != 1)
        return;
    HeapObject* obj = m_u.obj;
    if (t_draining) {
        if (!t_pending)
            t_pending = new std::vector<HeapObject*>;
        t_pending->push_back(obj);
        return;
    }
    t_draining = true;
    delete obj;
    while (t_pending && !t_pending->empty()) {
        HeapObject* next = t_pending->back();
        t_pending->pop_back();
        delete next;
    }
    delete t_pending;
    t_pending = nullptr;
    t_draining = false;
}

bool Term::isTuple(size_t n) const { return isTuple() && tupleSize() == n; }

std::string_view Term::asBinary() const { return static_cast<const BinaryObject*>(m_u.obj)->bytes; }

size_t Term::tupleSize() const { return static_cast<const TupleObject*>(m_u.obj)->count; }

const Term& Term::element(size_t i) const { return static_cast<const TupleObject*>(m_u.obj)->elems[i]; }

const Term* Term::tupleBegin() const { return static_cast<const TupleObject*>(m_u.obj)->elems; }

const Term& Term::head() const { return static_cast<const ConsObject*>(m_u.obj)->head; }

const Term& Term::tail() const { return static_cast<const ConsObject*>(m_u.obj)->tail; }

bool Term::isProperList() const
{
    const Term* t = this;
    while (t->isCons())
        t = &t->tail();
    return t->isEmptyList();
}

size_t Term::listLength() const
{
    size_t n = 0;
    for (const Term* t = this; t->isCons(); t = &t->tail())
        ++n;
    return n;
}

bool Term::toVector(std::vector<Term>& out) const
{
    if (!isProperList())
        return false;
    out.clear();
    for (const Term* t = this; t->isCons(); t = &t->tail())
        out.push_back(t->head());
    return true;
}

size_t Term::mapSize() const { return static_cast<const MapObject*>(m_u.obj)->entries.size(); }

const std::pair<Term, Term>* Term::mapBegin() const { return static_cast<const MapObject*>(m_u.obj)->entries.data(); }

const Term* Term::mapGet(const Term& key) const
{
    const auto& entries = static_cast<const MapObject*>(m_u.obj)->entries;
    auto it = std::lower_bound(entries.begin(), entries.end(), key,
        [](const auto& e, const Term& k) { return compareTermsExact(e.first, k) < 0; });
    if (it != entries.end() && compareTermsExact(it->first, key) == 0)
        return &it->second;
    return nullptr;
}

Term Term::mapPut(const Term& key, const Term& value) const
{
    const auto& entries = static_cast<const MapObject*>(m_u.obj)->entries;
    auto* obj = new MapObject;
    obj->entries.reserve(entries.size() + 1);
    bool placed = false;
    for (const auto& e : entries) {
        if (!placed) {
            int c = compareTermsExact(e.first, key);
            if (c == 0) {
                obj->entries.emplace_back(key, value);
                placed = true;
                continue;
            }
            if (c > 0) {
                obj->entries.emplace_back(key, value);
                placed = true;
            }
        }
        obj->entries.push_back(e);
    }
    if (!placed)
        obj->entries.emplace_back(key, value);
    Term t(Type::Map);
    t.m_u.obj = obj;
    return t;
}

Term Term::mapRemove(const Term& key) const
{
    const auto& entries = static_cast<const MapObject*>(m_u.obj)->entries;
    auto* obj = new MapObject;
    obj->entries.reserve(entries.size());
    for (const auto& e : entries)
        if (compareTermsExact(e.first, key) != 0)
            obj->entries.push_back(e);
    Term t(Type::Map);
    t.m_u.obj = obj;
    return t;
}

bool Term::operator==(const Term& other) const
{
    if (m_type != other.m_type)
        return false;
    switch (m_type) {
    case Type::Integer:
        return m_u.i == other.m_u.i;
    case Type::Float:
        return m_u.d == other.m_u.d;
    case Type::Atom:
        // Only the low 32 bits hold the atom; the rest of the payload is not meaningful.
        return m_u.atom == other.m_u.atom;
    case Type::Reference:
        return m_u.ref == other.m_u.ref;
    case Type::Nil:
        return true;
    default:
        break;
    }
    if (m_u.obj == other.m_u.obj)
        return true;
    return compareTermsExact(*this, other) == 0;
}

int compareTerms(const Term& a, const Term& b) { return compareImpl(a, b, false); }

int compareTermsExact(const Term& a, const Term& b) { return compareImpl(a, b, true); }

size_t hashTerm(const Term& t)
{
    auto mix = [](size_t h, size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); };
    size_t h = size_t(t.type());
    switch (t.type()) {
    case Term::Type::Integer:
        return mix(h, std::hash<int64_t>()(t.asInteger()));
    case Term::Type::Reference:
        return mix(h, std::hash<uint64_t>()(t.asReference()));
    case Term::Type::Atom:
        return mix(h, std::hash<uint32_t>()(t.asAtom().index()));
    case Term::Type::Float:
        // 0.0 and -0.0 are equal, so they must hash alike.
        return mix(h, std::hash<double>()(t.asFloat() == 0.0 ? 0.0 : t.asFloat()));
    case Term::Type::Pid:
        return mix(h, std::hash<uint64_t>()(t.pidSerial()));
    case Term::Type::Fun:
        return mix(h, std::hash<uint64_t>()(t.asFun()->identity()));
    case Term::Type::Binary:
        return mix(h, std::hash<std::string_view>()(t.asBinary()));
    case Term::Type::Tuple:
        for (size_t i = 0; i < t.tupleSize(); ++i)
            h = mix(h, hashTerm(t.element(i)));
        return h;
    case Term::Type::Map:
        for (size_t i = 0; i < t.mapSize(); ++i)
            h = mix(mix(h, hashTerm(t.mapBegin()[i].first)), hashTerm(t.mapBegin()[i].second));
        return h;
    case Term::Type::Nil:
        return h;
    case Term::Type::Cons:
        for (const Term* x = &t;; x = &x->tail()) {
            if (!x->isCons())
                return mix(h, hashTerm(*x));
            h = mix(h, hashTerm(x->head()));
        }
    }
    return h;
}

} // namespace vigil
