#include "internedstring.h"

#include <mutex>
#include <unordered_set>

namespace vigil {

namespace {
struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

struct Pool {
    std::mutex mutex;
    std::unordered_set<std::string, Hash, std::equal_to<>> strings; // elements never move: pointers stay valid
};

Pool& pool()
{
    static Pool* p = new Pool; // never destroyed: values may be read while other statics are torn down
    return *p;
}
} // namespace

const std::string* InternedString::intern(std::string_view s)
{
    if (s.empty())
        return nullptr;
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    auto it = p.strings.find(s);
    if (it == p.strings.end())
        it = p.strings.emplace(s).first;
    return &*it;
}

const std::string& InternedString::emptyString()
{
    static const std::string* empty = new std::string; // never destroyed, as the pool
    return *empty;
}

} // namespace vigil
