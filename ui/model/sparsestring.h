#pragma once

// A string that is empty for almost every object holding it (a process's registered name, supervisor child id,
// exit reason, ...): one pointer wide, and only a non-empty value allocates. The graph state keeps several per
// process, so at a million processes the difference to std::string (32 bytes each) is hundreds of megabytes.

#include "textvalue.h"

#include <memory>
#include <string>

namespace vigil {

class SparseString : public TextValue<SparseString> {
public:
    SparseString() = default;
    SparseString(std::string s) { assign(std::move(s)); }
    SparseString(const char* s) { assign(fromC(s)); }
    SparseString(const SparseString& o)
        : m_s(o.m_s ? std::make_unique<std::string>(*o.m_s) : nullptr)
    {
    }
    SparseString(SparseString&&) noexcept = default;
    SparseString& operator=(const SparseString& o)
    {
        if (this != &o)
            assign(o.str());
        return *this;
    }
    SparseString& operator=(SparseString&&) noexcept = default;
    SparseString& operator=(std::string s)
    {
        assign(std::move(s));
        return *this;
    }
    SparseString& operator=(const char* s) // null (also `= {}`): empty
    {
        assign(fromC(s));
        return *this;
    }

    // Valid until the value is next assigned or cleared (as for a std::string member, except that an assignment may
    // also end it when the value becomes empty).
    const std::string& str() const { return m_s ? *m_s : emptyString(); }
    bool empty() const { return !m_s; } // a stored value is never empty
    void clear() { m_s.reset(); }

    friend bool operator==(const SparseString& a, const SparseString& b) { return a.str() == b.str(); }

private:
    static std::string fromC(const char* s) { return s ? std::string(s) : std::string(); } // null: empty
    void assign(std::string s)
    {
        if (s.empty())
            m_s.reset();
        else if (m_s)
            *m_s = std::move(s);
        else
            m_s = std::make_unique<std::string>(std::move(s));
    }
    static const std::string& emptyString()
    {
        static const std::string empty;
        return empty;
    }
    std::unique_ptr<std::string> m_s;
};

} // namespace vigil
