#pragma once

// A text that many objects share (a behaviour's name, a process's initial call): one pointer to a copy kept once for
// the whole program, so a million processes started by one function cost no string each. For values drawn from a
// small set, such as names that come from code: whatever is interned stays until the program ends.

#include <ostream>
#include <string>
#include <string_view>

namespace vigil {

class InternedString {
public:
    InternedString() = default;
    InternedString(std::string_view s)
        : m_s(intern(s))
    {
    }
    InternedString& operator=(std::string_view s)
    {
        m_s = intern(s);
        return *this;
    }

    const std::string& str() const { return m_s ? *m_s : emptyString(); }
    operator const std::string&() const { return str(); }
    operator std::string_view() const { return str(); }
    bool empty() const { return !m_s; } // an interned value is never empty
    size_t size() const { return m_s ? m_s->size() : 0; }
    void clear() { m_s = nullptr; }

    friend bool operator==(const InternedString& a, const InternedString& b) { return a.m_s == b.m_s; }
    friend bool operator==(const InternedString& a, std::string_view b) { return a.str() == b; }
    friend std::ostream& operator<<(std::ostream& os, const InternedString& s) { return os << s.str(); }
    friend std::string operator+(std::string a, const InternedString& b) { return std::move(a) + b.str(); }
    friend std::string operator+(const char* a, const InternedString& b) { return a + b.str(); }
    friend std::string operator+(const InternedString& a, const std::string& b) { return a.str() + b; }
    friend std::string operator+(const InternedString& a, const char* b) { return a.str() + b; }

private:
    // The one copy of s (null for ""). Thread-safe.
    static const std::string* intern(std::string_view s);
    static const std::string& emptyString();

    const std::string* m_s = nullptr;
};

} // namespace vigil
