// Pretty inspection as IO.inspect prints it: Elixir's Inspect.Algebra layout at width 80 (groups, strict and
// flex breaks; lists of simple values fill lines, keyword lists and maps break one entry per line, tuples flex).

#include "script/pretty.h"

#include "term/print.h"

#include <memory>
#include <vector>

namespace vigil::script {

namespace {

struct Doc {
    enum Kind : uint8_t { Text, Concat, Nest, Break, Group } kind = Text;
    bool flex = false;
    int indent = 0;
    std::string s;
    std::vector<const Doc*> kids;
};

class Builder {
public:
    explicit Builder(const InspectOptions& o)
        : m_opts(o)
    {
    }

    const Doc* text(std::string s)
    {
        Doc* d = make(Doc::Text);
        d->s = std::move(s);
        return d;
    }
    const Doc* concat(std::vector<const Doc*> k)
    {
        Doc* d = make(Doc::Concat);
        d->kids = std::move(k);
        return d;
    }
    const Doc* nest(const Doc* x, int i)
    {
        Doc* d = make(Doc::Nest);
        d->indent = i;
        d->kids = { x };
        return d;
    }
    const Doc* brk(std::string s, bool flex)
    {
        Doc* d = make(Doc::Break);
        d->s = std::move(s);
        d->flex = flex;
        return d;
    }
    const Doc* group(const Doc* x)
    {
        Doc* d = make(Doc::Group);
        d->kids = { x };
        return d;
    }

    static bool simple(const Doc* d)
    {
        if (d->kind == Doc::Text)
            return true;
        if (d->kind == Doc::Concat) {
            for (const Doc* k : d->kids)
                if (!simple(k))
                    return false;
            return true;
        }
        return false;
    }

    enum class Mode { Maybe, Flex, Strict };

    const Doc* container(const std::string& left, std::vector<const Doc*> items, const std::string& right, Mode mode)
    {
        if (items.empty())
            return text(left + right);
        bool allSimple = true;
        for (const Doc* d : items)
            allSimple = allSimple && simple(d);
        bool flex = mode == Mode::Flex || (mode == Mode::Maybe && allSimple);
        const Doc* joined = items[0];
        for (size_t i = 1; i < items.size(); ++i)
            joined = concat({ joined, text(","), brk(" ", flex), items[i] });
        if (flex)
            return group(concat({ text(left), nest(joined, 1), text(right) }));
        return group(concat({ nest(concat({ text(left), brk("", false), joined }), 2), brk("", false), text(right) }));
    }

    static bool isKeyword(const Term& t)
    {
        if (!t.isCons())
            return false;
        Term cur = t;
        while (cur.isCons()) {
            const Term& h = cur.head();
            if (!h.isTuple(2) || !h.element(0).isAtom())
                return false;
            std::string_view n = h.element(0).asAtom().name();
            if (n.substr(0, 7) == "Elixir.")
                return false;
            cur = Term(cur.tail());
        }
        return cur.isEmptyList();
    }

    static std::string keyText(Atom a)
    {
        std::string s = inspectAtom(a);
        if (!s.empty() && s[0] == ':')
            s = s.substr(1);
        return s + ": ";
    }

    const Doc* build(const Term& t, size_t& limit)
    {
        // very deep terms are printed on one line rather than laid out recursively
        struct Depth {
            int& d;
            explicit Depth(int& x)
                : d(++x)
            {
            }
            ~Depth() { --d; }
        } depth(m_depth);
        if (m_depth > 200)
            return text(inspect(t, m_opts));
        switch (t.type()) {
        case Term::Type::Tuple: {
            std::vector<const Doc*> items;
            for (size_t i = 0; i < t.tupleSize(); ++i) {
                if (limit == 0) {
                    items.push_back(text("..."));
                    break;
                }
                if (limit != InspectOptions::infinity)
                    --limit;
                items.push_back(build(t.element(i), limit));
            }
            return container("{", std::move(items), "}", Mode::Flex);
        }
        case Term::Type::Cons: {
            std::string flat = inspect(t, m_opts);
            if (!flat.empty() && flat[0] == '\'')
                return text(flat);
            if (!t.isProperList())
                return text(flat);
            bool kw = isKeyword(t);
            std::vector<const Doc*> items;
            Term cur = t;
            while (cur.isCons()) {
                if (limit == 0) {
                    items.push_back(text("..."));
                    break;
                }
                if (limit != InspectOptions::infinity)
                    --limit;
                const Term& h = cur.head();
                if (kw)
                    items.push_back(concat({ text(keyText(h.element(0).asAtom())), build(h.element(1), limit) }));
                else
                    items.push_back(build(h, limit));
                cur = Term(cur.tail());
            }
            return container("[", std::move(items), "]", kw ? Mode::Strict : Mode::Maybe);
        }
        case Term::Type::Map: {
            const Term* st = t.mapGet(Term::atom(atoms::struct_));
            // a defined struct whose keys are not its fields prints as a map (Inspect.Any)
            if (st && st->isAtom() && structFieldsOf(st->asAtom()) && !structPrintOrder(t, st->asAtom()))
                st = nullptr;
            std::string left = "%{";
            bool exception = false;
            if (st && st->isAtom()) {
                std::string_view sn = st->asAtom().name();
                if (sn == "Elixir.Range" || sn == "Elixir.DateTime")
                    return text(inspect(t, m_opts));
                left = "%" + inspectAtom(st->asAtom()) + "{";
                const Term* e = t.mapGet(Term::atom(atoms::exception_));
                exception = e && e->isAtom(atoms::true_);
            }
            bool atomKeys = true;
            for (const auto* e = t.mapBegin(); e != t.mapBegin() + t.mapSize(); ++e)
                if (!e->first.isAtom())
                    atomKeys = false;
            std::vector<const Doc*> items;
            if (const std::vector<Atom>* order = st && st->isAtom() ? structPrintOrder(t, st->asAtom()) : nullptr) {
                for (Atom f : *order) {
                    if (limit == 0) {
                        items.push_back(text("..."));
                        break;
                    }
                    if (limit != InspectOptions::infinity)
                        --limit;
                    items.push_back(concat({ text(keyText(f)), build(*t.mapGet(Term::atom(f)), limit) }));
                }
                return container(left, std::move(items), "}", Mode::Strict);
            }
            for (const auto* e = t.mapBegin(); e != t.mapBegin() + t.mapSize(); ++e) {
                if (st && (e->first.isAtom(atoms::struct_) || (exception && e->first.isAtom(atoms::exception_))))
                    continue;
                if (limit == 0) {
                    items.push_back(text("..."));
                    break;
                }
                if (limit != InspectOptions::infinity)
                    --limit;
                if (atomKeys || st)
                    items.push_back(concat({ text(keyText(e->first.asAtom())), build(e->second, limit) }));
                else
                    items.push_back(concat({ build(e->first, limit), text(" => "), build(e->second, limit) }));
            }
            return container(left, std::move(items), "}", Mode::Strict);
        }
        default: return text(inspect(t, m_opts));
        }
    }

private:
    Doc* make(Doc::Kind k)
    {
        m_docs.push_back(std::make_unique<Doc>());
        m_docs.back()->kind = k;
        return m_docs.back().get();
    }
    InspectOptions m_opts;
    int m_depth = 0;
    std::vector<std::unique_ptr<Doc>> m_docs;
};

struct Entry {
    int indent;
    bool flat;
    const Doc* d;
};

size_t textWidth(const std::string& s)
{
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80)
            ++n;
    return n;
}

// Whether the entries fit in w columns. In tail mode a break of an enclosing broken group ends the check (a new
// line may start there); rest continues into the main stack below `restTop`.
bool fits(long w, bool tail, std::vector<Entry> work, const std::vector<Entry>* rest)
{
    size_t restIdx = rest ? rest->size() : 0;
    for (;;) {
        if (w < 0)
            return false;
        if (work.empty()) {
            if (!tail || !rest || restIdx == 0)
                return true;
            work.push_back((*rest)[--restIdx]);
        }
        Entry e = work.back();
        work.pop_back();
        switch (e.d->kind) {
        case Doc::Text: w -= long(textWidth(e.d->s)); break;
        case Doc::Concat:
            for (size_t i = e.d->kids.size(); i-- > 0;)
                work.push_back({ e.indent, e.flat, e.d->kids[i] });
            break;
        case Doc::Nest: work.push_back({ e.indent + e.d->indent, e.flat, e.d->kids[0] }); break;
        case Doc::Group: work.push_back({ e.indent, true, e.d->kids[0] }); break;
        case Doc::Break:
            if (tail && !e.flat)
                return true;
            w -= long(e.d->s.size());
            break;
        }
    }
}

std::string format(const Doc* doc, long width, long start)
{
    std::string out;
    long k = start;
    std::vector<Entry> stack { { 0, false, doc } };
    while (!stack.empty()) {
        Entry e = stack.back();
        stack.pop_back();
        switch (e.d->kind) {
        case Doc::Text:
            out += e.d->s;
            k += long(textWidth(e.d->s));
            break;
        case Doc::Concat:
            for (size_t i = e.d->kids.size(); i-- > 0;)
                stack.push_back({ e.indent, e.flat, e.d->kids[i] });
            break;
        case Doc::Nest: stack.push_back({ e.indent + e.d->indent, e.flat, e.d->kids[0] }); break;
        case Doc::Group: {
            bool flat = e.flat || fits(width - k, false, { { e.indent, true, e.d->kids[0] } }, nullptr);
            stack.push_back({ e.indent, flat, e.d->kids[0] });
            break;
        }
        case Doc::Break: {
            if (e.flat) {
                out += e.d->s;
                k += long(e.d->s.size());
                break;
            }
            if (e.d->flex) {
                long k2 = k + long(e.d->s.size());
                if (fits(width - k2, true, {}, &stack)) {
                    out += e.d->s;
                    k = k2;
                    break;
                }
            }
            out += '\n';
            out += std::string(size_t(e.indent), ' ');
            k = e.indent;
            break;
        }
        }
    }
    return out;
}

} // namespace

std::string prettyInspect(const Term& t, int width, const InspectOptions& options, int startColumn)
{
    Builder b(options);
    size_t limit = options.limit;
    const Doc* d = b.build(t, limit);
    return format(d, width, startColumn);
}

} // namespace vigil::script
