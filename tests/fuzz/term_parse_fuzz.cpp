// libFuzzer harness for the term parser: any input must parse or fail cleanly, and whatever parses must print
// back to text that parses to the same term.

#include "term/parse.h"
#include "term/print.h"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string_view>

using namespace vigil;

namespace {

bool resolvePid(uint64_t serial, Term& out)
{
    // A few known pids, kept alive for the whole run.
    static std::map<uint64_t, Term> pids = [] {
        std::map<uint64_t, Term> m;
        for (uint64_t s : { 0u, 1u, 85u, 1000u })
            m[s] = Term::pid(new PidObject(s), true);
        return m;
    }();
    auto it = pids.find(serial);
    if (it == pids.end())
        return false;
    out = it->second;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    TermParseOptions options;
    options.resolvePid = resolvePid;
    auto parsed = parseTerm(text, options);
    if (!parsed.hasValue()) {
        const ParseError& e = parsed.error();
        if (e.line < 1 || e.column < 1 || e.message.empty())
            std::abort();
        (void)e.toString();
        return 0;
    }
    InspectOptions full;
    full.limit = InspectOptions::infinity;
    full.printableLimit = InspectOptions::infinity;
    const std::string printed = inspect(*parsed, full);
    auto again = parseTerm(printed, options);
    if (!again.hasValue() || !(*again == *parsed) || inspect(*again, full) != printed)
        std::abort();
    InspectOptions preview;
    preview.limitChars = 40;
    (void)inspect(*parsed, preview);
    (void)inspect(*parsed);
    return 0;
}
