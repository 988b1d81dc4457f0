#pragma once

// A text that many objects share (a behaviour's name, a process's initial call): one pointer to a copy kept once for
// the whole program, so a million processes started by one function cost no string each. For values drawn from a
// small set, such as names that come from code: whatever is interned stays until the program ends.

#include "textvalue.h"

#include <string>
#include <string_view>

namespace vigil {

class InternedString : public TextValue<InternedString> {
public:
    InternedString() = default;
    InternedString(std::string_view s)
        : m_s(intern(s))
    {
    }
    InternedString(const char* s) // null: empty
        : m_s(s ? intern(s) : nullptr)
    {
    }
    InternedString& operator=(std::string_view s)
    {
        m_s = intern(s);
        return *this;
    }
    InternedString& operator=(const char* s) // null: empty
    {
        m_s = s ? intern(s) : nullptr;
        return *this;
    }

    const std::string& str() const { return m_s ? *m_s : emptyString(); }
    bool empty() const { return !m_s; } // an interned value is never empty
    void clear() { m_s = nullptr; }

    // One copy per text: the same text is the same pointer.
    friend bool operator==(const InternedString& a, const InternedString& b) { return a.m_s == b.m_s; }

private:
    // The one copy of s (null for ""). Thread-safe.
    static const std::string* intern(std::string_view s);
    static const std::string& emptyString();

    const std::string* m_s = nullptr;
};

} // namespace vigil
