#pragma once

// Time series for the charts: processes alive, message rate, restarts and exits by reason, and the mailbox depth
// of one watched process. Buckets are closed by sample(); plain C++.

#include "trace/event.h"

#include <cstdint>
#include <deque>
#include <vector>

namespace vigil {

enum class ExitClass : uint8_t { Normal, Shutdown, Killed, Crash, Count };
ExitClass exitClassOf(const Term& reason);
const char* exitClassName(ExitClass c);

struct StatsSample {
    double timeSec = 0; // seconds since the history started
    size_t alive = 0;
    double messagesPerSec = 0;
    uint32_t restarts = 0; // in this bucket
    uint32_t exits[size_t(ExitClass::Count)] {}; // in this bucket
    int64_t watchedMailbox = -1; // -1: nothing watched (or dead)
};

class StatsHistory {
public:
    explicit StatsHistory(size_t capacity = 600);

    // Counts restarts and exits (message counts come from addMessages: events may be sampled).
    void addEvents(const std::vector<TraceEvent>& events);
    void addMessages(uint64_t n) { m_bucketMessages += n; }
    // Closes the current bucket at timeSec.
    const StatsSample& sample(double timeSec, size_t alive, int64_t watchedMailbox);

    const std::deque<StatsSample>& samples() const { return m_samples; }
    double lastMessageRate() const { return m_samples.empty() ? 0 : m_samples.back().messagesPerSec; }
    uint64_t totalRestarts() const { return m_totalRestarts; }
    uint64_t totalExits(ExitClass c) const { return m_totalExits[size_t(c)]; }
    void clearWatched(); // the watched process changed: forget its series

private:
    size_t m_capacity;
    std::deque<StatsSample> m_samples;
    uint64_t m_bucketMessages = 0;
    uint32_t m_bucketRestarts = 0;
    uint32_t m_bucketExits[size_t(ExitClass::Count)] {};
    uint64_t m_totalRestarts = 0;
    uint64_t m_totalExits[size_t(ExitClass::Count)] {};
    double m_lastTime = 0;
};

} // namespace vigil
