#pragma once

// What a one-pointer string type of the graph state offers beyond its own storage, given its str(): conversions to
// std::string and std::string_view, comparison with and concatenation to plain strings, and printing. Shared by
// SparseString (a string of its own, allocated only when not empty) and InternedString (one shared copy per text).

#include <ostream>
#include <string>
#include <string_view>

namespace vigil {

template <class Derived>
class TextValue {
public:
    operator const std::string&() const { return self().str(); }
    operator std::string_view() const { return self().str(); }
    size_t size() const { return self().str().size(); }
    const char* c_str() const { return self().str().c_str(); }

    friend bool operator==(const Derived& a, const std::string& b) { return a.str() == b; }
    friend bool operator==(const Derived& a, const char* b) { return a.str() == b; }
    friend std::ostream& operator<<(std::ostream& os, const Derived& s) { return os << s.str(); }
    // Concatenation as with std::string (std::string's own operator+ is a template, which a conversion cannot reach).
    friend std::string operator+(std::string a, const Derived& b) { return std::move(a) + b.str(); }
    friend std::string operator+(const char* a, const Derived& b) { return a + b.str(); }
    friend std::string operator+(const Derived& a, const std::string& b) { return a.str() + b; }
    friend std::string operator+(const Derived& a, const char* b) { return a.str() + b; }

private:
    const Derived& self() const { return static_cast<const Derived&>(*this); }
};

} // namespace vigil
