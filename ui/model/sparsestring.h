#pragma once

// A string that is empty for almost every object holding it (a process's registered name, supervisor child id,
// exit reason, ...): one pointer wide, and only a non-empty value allocates. The graph state keeps several per
// process, so at a million processes the difference to std::string (32 bytes each) is hundreds of megabytes.

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace vigil {

class SparseString {
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
    operator const std::string&() const { return str(); }
    operator std::string_view() const { return str(); }
    bool empty() const { return !m_s; } // a stored value is never empty
    size_t size() const { return m_s ? m_s->size() : 0; }
    const char* c_str() const { return str().c_str(); }
    void clear() { m_s.reset(); }

    friend bool operator==(const SparseString& a, const SparseString& b) { return a.str() == b.str(); }
    friend bool operator==(const SparseString& a, const std::string& b) { return a.str() == b; }
    friend bool operator==(const SparseString& a, const char* b) { return a.str() == b; }
    friend std::ostream& operator<<(std::ostream& os, const SparseString& s) { return os << s.str(); }
    // Concatenation as with std::string (std::string's own operator+ is a template, which a conversion cannot reach).
    friend std::string operator+(std::string a, const SparseString& b) { return std::move(a) + b.str(); }
    friend std::string operator+(const char* a, const SparseString& b) { return a + b.str(); }
    friend std::string operator+(const SparseString& a, const std::string& b) { return a.str() + b; }
    friend std::string operator+(const SparseString& a, const char* b) { return a.str() + b; }

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
