#include "script/unicode.h"

#include "term/syntax.h"

namespace vigil::script::unicode {

namespace {

constexpr int32_t kInvalid = -1;

bool in(int32_t cp, int32_t lo, int32_t hi) { return cp >= lo && cp <= hi; }

// The code point at text[pos] and how many bytes it takes; kInvalid and 1 for a byte that does not start valid UTF-8.
int32_t decode(std::string_view text, size_t pos, size_t& len)
{
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char c = byte(pos);
    len = 1;
    if (c < 0x80)
        return c;
    size_t need = 0;
    int32_t cp = 0;
    if ((c >> 5) == 0x6) {
        need = 1;
        cp = c & 0x1F;
    } else if ((c >> 4) == 0xE) {
        need = 2;
        cp = c & 0x0F;
    } else if ((c >> 3) == 0x1E) {
        need = 3;
        cp = c & 0x07;
    } else {
        return kInvalid;
    }
    for (size_t k = 1; k <= need; ++k) {
        if (pos + k >= text.size() || (byte(pos + k) >> 6) != 0x2)
            return kInvalid;
        cp = (cp << 6) | (byte(pos + k) & 0x3F);
    }
    // overlong forms and surrogates are not valid UTF-8 either
    if ((need == 1 && cp < 0x80) || (need == 2 && (cp < 0x800 || in(cp, 0xD800, 0xDFFF)))
        || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
        return kInvalid;
    len = need + 1;
    return cp;
}

// Combining marks, variation selectors, emoji modifiers and tags: they belong to the character before them.
bool extends(int32_t cp)
{
    return in(cp, 0x0300, 0x036F) || in(cp, 0x0483, 0x0489) || in(cp, 0x0591, 0x05BD) || in(cp, 0x0610, 0x061A)
        || in(cp, 0x064B, 0x065F) || in(cp, 0x0E34, 0x0E3A) || cp == 0x0E31 || in(cp, 0x1AB0, 0x1AFF)
        || in(cp, 0x1DC0, 0x1DFF) || cp == 0x200C || cp == 0x200D || in(cp, 0x20D0, 0x20FF)
        || in(cp, 0xFE00, 0xFE0F) || in(cp, 0xFE20, 0xFE2F) || in(cp, 0x1F3FB, 0x1F3FF) || in(cp, 0xE0020, 0xE007F)
        || in(cp, 0xE0100, 0xE01EF);
}

// Characters a zero-width joiner joins to the one before it (emoji sequences).
bool pictographic(int32_t cp) { return in(cp, 0x2600, 0x27BF) || in(cp, 0x1F000, 0x1FAFF) || cp == 0x2764; }

bool regionalIndicator(int32_t cp) { return in(cp, 0x1F1E6, 0x1F1FF); }

int32_t upper(int32_t cp)
{
    if (in(cp, 'a', 'z'))
        return cp - 0x20;
    if (cp < 0xB5)
        return cp;
    if (cp == 0xB5)
        return 0x39C;
    if (in(cp, 0xE0, 0xFE) && cp != 0xF7)
        return cp - 0x20;
    if (cp == 0xFF)
        return 0x178;
    if (cp == 0x131 || cp == 0x17F) // dotless i, long s
        return cp == 0x131 ? 'I' : 'S';
    if (in(cp, 0x100, 0x137) || in(cp, 0x14A, 0x177))
        return cp & 1 ? cp - 1 : cp;
    if (in(cp, 0x139, 0x148) || in(cp, 0x179, 0x17E))
        return cp & 1 ? cp : cp - 1;
    if (in(cp, 0x3B1, 0x3C1) || in(cp, 0x3C3, 0x3CB))
        return cp - 0x20;
    if (cp == 0x3C2)
        return 0x3A3;
    if (cp == 0x3AC)
        return 0x386;
    if (in(cp, 0x3AD, 0x3AF))
        return cp - 0x25;
    if (cp == 0x3CC)
        return 0x38C;
    if (in(cp, 0x3CD, 0x3CE))
        return cp - 0x3F;
    if (in(cp, 0x430, 0x44F))
        return cp - 0x20;
    if (in(cp, 0x450, 0x45F))
        return cp - 0x50;
    return cp;
}

int32_t lower(int32_t cp)
{
    if (in(cp, 'A', 'Z'))
        return cp + 0x20;
    if (cp < 0xC0)
        return cp;
    if (in(cp, 0xC0, 0xDE) && cp != 0xD7)
        return cp + 0x20;
    if (cp == 0x178)
        return 0xFF;
    if (in(cp, 0x100, 0x137) || in(cp, 0x14A, 0x177))
        return cp & 1 ? cp : cp + 1;
    if (in(cp, 0x139, 0x148) || in(cp, 0x179, 0x17E))
        return cp & 1 ? cp + 1 : cp;
    if (in(cp, 0x391, 0x3A1) || in(cp, 0x3A3, 0x3AB))
        return cp + 0x20;
    if (cp == 0x386)
        return 0x3AC;
    if (in(cp, 0x388, 0x38A))
        return cp + 0x25;
    if (cp == 0x38C)
        return 0x3CC;
    if (in(cp, 0x38E, 0x38F))
        return cp + 0x3F;
    if (in(cp, 0x410, 0x42F))
        return cp + 0x20;
    if (in(cp, 0x400, 0x40F))
        return cp + 0x50;
    return cp;
}

enum class Case { Upper, Lower };

void mapCase(std::string& out, std::string_view text, Case to)
{
    for (size_t i = 0; i < text.size();) {
        size_t len = 0;
        const int32_t cp = decode(text, i, len);
        if (cp == kInvalid) {
            out += text[i];
        } else if (to == Case::Upper && cp == 0xDF) {
            out += "SS"; // ß has no single upper-case letter
        } else if (to == Case::Lower && cp == 0x130) {
            syntax::appendUtf8(out, uint32_t('i')); // İ: i with its dot kept as a combining mark
            syntax::appendUtf8(out, uint32_t(0x307));
        } else {
            syntax::appendUtf8(out, uint32_t(to == Case::Upper ? upper(cp) : lower(cp)));
        }
        i += len;
    }
}

} // namespace

std::vector<std::string_view> graphemes(std::string_view text)
{
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        const size_t start = i;
        size_t len = 0;
        int32_t cp = decode(text, i, len);
        i += len;
        if (cp == '\r' && i < text.size() && text[i] == '\n') {
            ++i;
        } else if (cp != kInvalid && cp != '\r' && cp != '\n') {
            if (regionalIndicator(cp) && i < text.size()) {
                size_t nlen = 0;
                if (regionalIndicator(decode(text, i, nlen)))
                    i += nlen;
            }
            while (i < text.size()) {
                size_t nlen = 0;
                const int32_t next = decode(text, i, nlen);
                if (next == kInvalid || !extends(next))
                    break;
                i += nlen;
                if (next == 0x200D && i < text.size()) {
                    size_t jlen = 0;
                    if (pictographic(decode(text, i, jlen)))
                        i += jlen;
                }
            }
        }
        out.push_back(text.substr(start, i - start));
    }
    return out;
}

size_t graphemeCount(std::string_view text) { return graphemes(text).size(); }

std::string upcase(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    mapCase(out, text, Case::Upper);
    return out;
}

std::string downcase(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    mapCase(out, text, Case::Lower);
    return out;
}

std::string capitalize(std::string_view text)
{
    const std::vector<std::string_view> parts = graphemes(text);
    if (parts.empty())
        return {};
    std::string out;
    out.reserve(text.size());
    if (parts[0] == "\xC3\x9F")
        out += "Ss"; // ß's title case
    else
        mapCase(out, parts[0], Case::Upper);
    mapCase(out, text.substr(parts[0].size()), Case::Lower);
    return out;
}

} // namespace vigil::script::unicode
