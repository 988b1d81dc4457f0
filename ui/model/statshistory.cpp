#include "statshistory.h"

namespace vigil {

ExitClass exitClassOf(const Term& reason)
{
    if (reason.isAtom(atoms::normal))
        return ExitClass::Normal;
    if (reason.isAtom(atoms::shutdown) || (reason.isTuple(2) && reason.element(0).isAtom(atoms::shutdown)))
        return ExitClass::Shutdown;
    if (reason.isAtom(atoms::killed) || reason.isAtom(atoms::kill))
        return ExitClass::Killed;
    return ExitClass::Crash;
}

const char* exitClassName(ExitClass c)
{
    switch (c) {
    case ExitClass::Normal:
        return "normal";
    case ExitClass::Shutdown:
        return "shutdown";
    case ExitClass::Killed:
        return "killed";
    case ExitClass::Crash:
        return "crash";
    case ExitClass::Count:
        break;
    }
    return "";
}

StatsHistory::StatsHistory(size_t capacity)
    : m_capacity(capacity)
{
}

void StatsHistory::addEvents(const std::vector<TraceEvent>& events)
{
    for (const TraceEvent& e : events) {
        switch (e.kind) {
        case TraceKind::ChildRestarted:
            ++m_bucketRestarts;
            ++m_totalRestarts;
            break;
        case TraceKind::Exited: {
            const auto c = size_t(exitClassOf(e.data));
            ++m_bucketExits[c];
            ++m_totalExits[c];
            break;
        }
        default:
            break;
        }
    }
}

const StatsSample& StatsHistory::sample(double timeSec, size_t alive, int64_t watchedMailbox)
{
    StatsSample s;
    s.timeSec = timeSec;
    s.alive = alive;
    const double dt = timeSec - m_lastTime;
    s.messagesPerSec = dt > 1e-6 ? double(m_bucketMessages) / dt : 0;
    s.restarts = m_bucketRestarts;
    for (size_t i = 0; i < size_t(ExitClass::Count); ++i) {
        s.exits[i] = m_bucketExits[i];
        m_bucketExits[i] = 0;
    }
    s.watchedMailbox = watchedMailbox;
    m_bucketMessages = 0;
    m_bucketRestarts = 0;
    m_lastTime = timeSec;
    m_samples.push_back(s);
    while (m_samples.size() > m_capacity)
        m_samples.pop_front();
    return m_samples.back();
}

void StatsHistory::clearWatched()
{
    for (StatsSample& s : m_samples)
        s.watchedMailbox = -1;
}

} // namespace vigil
