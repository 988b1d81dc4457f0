#include "term/syntax.h"

#include <algorithm>
#include <initializer_list>
#include <iterator>

namespace vigil::syntax {

namespace {

// Operator atoms Elixir 1.14 prints without quotes (`:+`, `:|>`, `:%{}`), longest first within a prefix.
constexpr std::string_view kOperators[] = { "...", "..//", "..", ".", "<<>>", "%{}", "{}", "%", "&&&", "&&", "&", "|||",
    "||", "|>", "|", "<>", "+++", "++", "---", "--", "->", "===", "==", "=~", "=", "!==", "!=", "!", "<<<", "<<~",
    "<=", "<~>", "<~", "<-", "<", ">>>", ">=", ">", "~>>", "~>", "\\\\", "**", "@", "^", "+", "-", "*", "/" };
// Still valid source in 1.14 but printed quoted.
constexpr std::string_view kDeprecatedOperators[] = { "^^^", "~~~", "<|>" };

bool isAsciiLetter(uint32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiDigit(uint32_t c) { return c >= '0' && c <= '9'; }

// Decimal digits of other scripts: identifier characters, but never the first one.
bool isUnicodeDigit(uint32_t cp)
{
    static constexpr uint32_t zeros[] = { 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6,
        0xD66, 0xE50, 0xED0, 0xF20, 0x1040, 0xFF10 };
    for (uint32_t z : zeros)
        if (cp >= z && cp <= z + 9)
            return true;
    return false;
}

// Rough Unicode letter test: everything outside the main punctuation, symbol, mark, control and emoji blocks.
// Latin-1 ordinal and micro signs are excluded because Elixir rejects identifiers that are not NFKC-stable.
bool isUnicodeLetter(uint32_t cp)
{
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
        return false;
    if (cp >= 0x300 && cp <= 0x36F)
        return false; // combining marks: Elixir wants NFC, where these rarely survive
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3000 && cp <= 0x303F))
        return false;
    if ((cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFE00 && cp <= 0xFE6F) || (cp >= 0xFF00 && cp <= 0xFF20))
        return false;
    if (cp >= 0xFFF0 && cp <= 0xFFFF)
        return false;
    if (cp >= 0x1F000)
        return false;
    return !isUnicodeDigit(cp);
}

// Coarse script of a letter, for Elixir's rule that an identifier may not mix scripts (UTS #39, highly
// restrictive). 0 = common (ASCII digits, '_', '@', '?', '!').
enum Script : uint32_t { Common = 0, Latin, Greek, Cyrillic, Han, Hiragana, Katakana, Hangul, Bopomofo, Other };

uint32_t scriptOf(uint32_t cp)
{
    if (cp < 0x80)
        return isAsciiLetter(cp) ? Latin : Common;
    if (cp == 0xB7)
        return Common;
    if ((cp >= 0xC0 && cp <= 0x24F) || (cp >= 0x1E00 && cp <= 0x1EFF))
        return Latin;
    if ((cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x1F00 && cp <= 0x1FFF))
        return Greek;
    if (cp >= 0x400 && cp <= 0x52F)
        return Cyrillic;
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x3FFFF))
        return Han;
    if (cp >= 0x3040 && cp <= 0x309F)
        return Hiragana;
    if (cp >= 0x30A0 && cp <= 0x30FF)
        return Katakana;
    if ((cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x1100 && cp <= 0x11FF))
        return Hangul;
    if (cp >= 0x3100 && cp <= 0x312F)
        return Bopomofo;
    return Other + (cp >> 7); // one pseudo-script per 128-code-point block
}

bool hasAllowedScripts(std::string_view name)
{
    uint64_t seen = 0; // bit per named script
    uint32_t other = 0;
    for (size_t i = 0; i < name.size();) {
        uint32_t cp = 0;
        const size_t n = decodeUtf8(name, i, cp);
        if (!n)
            return false;
        i += n;
        const uint32_t script = scriptOf(cp);
        if (script == Common)
            continue;
        if (script >= Other) {
            if (other && other != script)
                return false;
            other = script;
            seen |= uint64_t(1) << Other;
        } else {
            seen |= uint64_t(1) << script;
        }
    }
    auto bits = [](std::initializer_list<uint32_t> scripts) {
        uint64_t b = 0;
        for (uint32_t s : scripts)
            b |= uint64_t(1) << s;
        return b;
    };
    if ((seen & (seen - 1)) == 0)
        return true; // a single script
    // The combinations UTS #39 allows: Japanese, Chinese with Bopomofo, Korean, each possibly with Latin.
    return (seen & ~bits({ Latin, Han, Hiragana, Katakana })) == 0 || (seen & ~bits({ Latin, Han, Bopomofo })) == 0
        || (seen & ~bits({ Latin, Han, Hangul })) == 0;
}

void appendHexEscape(std::string& out, uint32_t value)
{
    static const char digits[] = "0123456789ABCDEF";
    out += "\\x";
    if (value < 0x100) {
        out += digits[value >> 4];
        out += digits[value & 15];
        return;
    }
    char buf[8];
    int n = 0;
    while (value) {
        buf[n++] = digits[value & 15];
        value >>= 4;
    }
    out += '{';
    while (n)
        out += buf[--n];
    out += '}';
}

} // namespace

size_t decodeUtf8(std::string_view text, size_t pos, uint32_t& cp)
{
    const auto b0 = static_cast<unsigned char>(text[pos]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    size_t len = 0;
    uint32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (pos + len > text.size())
        return 0;
    for (size_t i = 1; i < len; ++i) {
        const auto b = static_cast<unsigned char>(text[pos + i]);
        if ((b & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void appendUtf8(std::string& out, uint32_t cp)
{
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

bool isIdentifierStart(uint32_t cp) { return isAsciiLetter(cp) || cp == '_' || isUnicodeLetter(cp); }

bool isIdentifierContinue(uint32_t cp)
{
    return isAsciiLetter(cp) || isAsciiDigit(cp) || cp == '_' || cp == '@' || cp == 0xB7 || isUnicodeLetter(cp)
        || isUnicodeDigit(cp);
}

size_t scanIdentifier(std::string_view text, size_t pos)
{
    uint32_t cp = 0;
    size_t i = pos;
    if (i >= text.size())
        return 0;
    size_t n = decodeUtf8(text, i, cp);
    if (!n || !isIdentifierStart(cp))
        return 0;
    i += n;
    while (i < text.size()) {
        n = decodeUtf8(text, i, cp);
        if (!n || !isIdentifierContinue(cp))
            break;
        i += n;
    }
    if (i < text.size() && (text[i] == '?' || text[i] == '!'))
        ++i;
    return i - pos;
}

size_t scanOperator(std::string_view text, size_t pos, bool acceptDeprecated)
{
    const std::string_view rest = text.substr(pos);
    size_t best = 0;
    for (std::string_view op : kOperators)
        if (op.size() > best && rest.starts_with(op))
            best = op.size();
    if (acceptDeprecated)
        for (std::string_view op : kDeprecatedOperators)
            if (op.size() > best && rest.starts_with(op))
                best = op.size();
    return best;
}

bool isIdentifier(std::string_view name)
{
    return !name.empty() && scanIdentifier(name, 0) == name.size() && hasAllowedScripts(name);
}

bool isUnquotedOperator(std::string_view name)
{
    return std::find(std::begin(kOperators), std::end(kOperators), name) != std::end(kOperators);
}

bool isAliasAtom(std::string_view name)
{
    if (!name.starts_with("Elixir."))
        return false;
    std::string_view rest = name.substr(7);
    while (true) {
        if (rest.empty() || !(rest[0] >= 'A' && rest[0] <= 'Z'))
            return false;
        size_t i = 1;
        while (i < rest.size() && (isAsciiLetter(uint8_t(rest[i])) || isAsciiDigit(uint8_t(rest[i])) || rest[i] == '_'))
            ++i;
        if (i == rest.size())
            return true;
        if (rest[i] != '.')
            return false;
        rest = rest.substr(i + 1);
    }
}

bool isPrintableCodePoint(uint32_t cp)
{
    if (cp >= 0x20 && cp <= 0x7E)
        return true;
    if ((cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF))
        return true;
    switch (cp) {
    case '\n':
    case '\r':
    case '\t':
    case '\v':
    case '\b':
    case '\f':
    case 27:
    case 127:
    case '\a':
        return true;
    default:
        return false;
    }
}

bool isAsciiPrintable(int64_t c)
{
    if (c >= 0x20 && c <= 0x7E)
        return true;
    return c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\b' || c == '\f' || c == 27 || c == '\a';
}

void appendEscapedCodePoint(std::string& out, uint32_t cp, char quote, bool nextIsBrace)
{
    switch (cp) {
    case 0:
        out += "\\0";
        return;
    case '\a':
        out += "\\a";
        return;
    case '\b':
        out += "\\b";
        return;
    case '\t':
        out += "\\t";
        return;
    case '\n':
        out += "\\n";
        return;
    case '\v':
        out += "\\v";
        return;
    case '\f':
        out += "\\f";
        return;
    case '\r':
        out += "\\r";
        return;
    case 27:
        out += "\\e";
        return;
    case 127:
        out += "\\d";
        return;
    case '\\':
        out += "\\\\";
        return;
    case '#':
        out += nextIsBrace ? "\\#" : "#";
        return;
    default:
        break;
    }
    if (cp == uint32_t(uint8_t(quote))) {
        out += '\\';
        out += quote;
        return;
    }
    if (!isPrintableCodePoint(cp)) {
        appendHexEscape(out, cp);
        return;
    }
    appendUtf8(out, cp);
}

void appendEscaped(std::string& out, std::string_view text, char quote)
{
    size_t i = 0;
    while (i < text.size()) {
        uint32_t cp = 0;
        const size_t n = decodeUtf8(text, i, cp);
        if (!n) {
            appendHexEscape(out, uint8_t(text[i]));
            ++i;
            continue;
        }
        i += n;
        appendEscapedCodePoint(out, cp, quote, i < text.size() && text[i] == '{');
    }
}

namespace {
// The low 18 bits count up like the BEAM's last field; the rest is mixed with constants so that it looks like one.
constexpr uint32_t kRefMaskA = 0xB3A51C6Du;
constexpr uint32_t kRefMaskB = 0x8E1F2A57u;
constexpr uint64_t kRefLowBits = 18;
} // namespace

void encodeReference(uint64_t id, uint32_t& a, uint32_t& b, uint32_t& c)
{
    c = uint32_t(id & ((uint64_t(1) << kRefLowBits) - 1));
    const uint64_t rest = id >> kRefLowBits;
    b = uint32_t(rest) ^ kRefMaskB;
    a = uint32_t(rest >> 32) ^ kRefMaskA;
}

bool decodeReference(uint64_t a, uint64_t b, uint64_t c, uint64_t& id)
{
    if (a > 0xFFFFFFFFu || b > 0xFFFFFFFFu || c >= (uint64_t(1) << kRefLowBits))
        return false;
    const uint64_t high = uint32_t(a) ^ kRefMaskA;
    if (high >= (uint64_t(1) << (64 - 32 - kRefLowBits)))
        return false;
    const uint64_t rest = (high << 32) | (uint32_t(b) ^ kRefMaskB);
    id = (rest << kRefLowBits) | c;
    return true;
}

} // namespace vigil::syntax
