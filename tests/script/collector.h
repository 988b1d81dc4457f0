#pragma once

// Collects console output that arrives from engine threads.

#include <mutex>
#include <string>
#include <utility>

namespace vigil::test {

class Collector {
public:
    void add(const std::string& s)
    {
        std::lock_guard lock(m_mutex);
        m_text += s;
    }
    std::string take()
    {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_text, {});
    }

private:
    std::mutex m_mutex;
    std::string m_text;
};

} // namespace vigil::test
