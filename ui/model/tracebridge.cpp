#include "tracebridge.h"

#include <QThread>

#include <algorithm>
#include <mutex>

#include <time.h>

namespace vigil {

struct TraceBridge::Waker {
    std::mutex mutex;
    TraceBridge* target = nullptr;
    std::atomic<bool> pending { false };
};

TraceBridge::TraceBridge(std::shared_ptr<TraceSubscription> subscription, SnapshotFn snapshot, QObject* parent)
    : QObject(parent)
    , m_subscription(std::move(subscription))
    , m_snapshot(std::move(snapshot))
    , m_waker(std::make_shared<Waker>())
{
    m_clock.start();
    m_waker->target = this;
    // Room for a storm's worth of events up front, touched now: growing the buffer by doubling in the middle of a
    // storm moved every event again and again, and faulting its pages in on the first storm's drain took the GUI
    // thread longer than copying the events into it.
    m_buffer.resize(kBufferReserve);
    m_buffer.clear();
    m_drainTimer.setSingleShot(true);
    connect(&m_drainTimer, &QTimer::timeout, this, &TraceBridge::drainWhenDue);
    m_tickTimer.setInterval(200);
    connect(&m_tickTimer, &QTimer::timeout, this, &TraceBridge::onTick);
    m_sampleTimer.setInterval(1000);
    connect(&m_sampleTimer, &QTimer::timeout, this, [this] {
        const GraphNode* w = m_watched ? m_state.node(m_watched) : nullptr;
        m_stats.sample(double(m_clock.elapsed()) / 1000.0, m_state.aliveCount(), w && w->alive ? w->mailbox : -1);
        Q_EMIT statsSampled();
    });
    m_counterTimer.setInterval(2000);
    connect(&m_counterTimer, &QTimer::timeout, this, [this] {
        // A snapshot pauses the workers briefly; not worth it for huge process counts.
        if (!m_snapshot || m_state.aliveCount() > 20000)
            return;
        m_state.refreshCounters(m_snapshot());
        publish();
    });
}

TraceBridge::~TraceBridge()
{
    {
        std::lock_guard lock(m_waker->mutex);
        m_waker->target = nullptr;
    }
    if (m_subscription)
        m_subscription->setNotify(nullptr);
}

void TraceBridge::assertGuiThread() const
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "TraceBridge", "GUI thread only");
}

int64_t TraceBridge::wallNs() const { return m_clock.nsecsElapsed(); }

namespace {
// CPU time of the calling thread (ns), or -1 where the platform has no such clock.
int64_t threadCpuNs()
{
#if defined(CLOCK_THREAD_CPUTIME_ID)
    timespec ts {};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
#endif
    return -1;
}
} // namespace

int64_t TraceBridge::intervalNs() const
{
    const int64_t base = 1'000'000'000 / m_maxRate;
    if (m_cpuBudget <= 0)
        return base;
    // While the engine outruns the rings (the last drain lost events) the view is resynchronised from a snapshot
    // afterwards anyway: each drain then copies up to a ring's capacity, and only the CPU budget bounds how often.
    const int64_t longest = m_lossy ? kMaxResyncDelayNs : std::max<int64_t>(base, 1'000'000'000 / kMinRate);
    int64_t spent = m_cycleCostNs;
    // The cycle in progress counts as soon as it costs more than the last one (its repaints come after the drain).
    if (const int64_t cpu = threadCpuNs(); cpu >= 0 && m_lastDrainCpuNs >= 0)
        spent = std::max(spent, cpu - m_lastDrainCpuNs);
    return std::clamp(int64_t(double(spent) / m_cpuBudget), base, longest);
}

void TraceBridge::setCpuBudget(double fraction) { m_cpuBudget = std::clamp(fraction, 0.0, 1.0); }

void TraceBridge::start()
{
    assertGuiThread();
    if (m_snapshot)
        m_state.resync(m_snapshot(), wallNs());
    std::weak_ptr<Waker> weak = m_waker;
    if (m_subscription) {
        m_subscription->setNotify([weak] {
            auto w = weak.lock();
            if (!w || w->pending.exchange(true))
                return;
            std::lock_guard lock(w->mutex);
            if (w->target)
                QMetaObject::invokeMethod(w->target, &TraceBridge::onWake, Qt::QueuedConnection);
        });
    }
    m_sampleTimer.start();
    m_counterTimer.start();
    drainNow();
}

void TraceBridge::setMaxRate(int hz) { m_maxRate = std::clamp(hz, 1, 30); }

void TraceBridge::setCounterRefreshMs(int ms)
{
    if (ms <= 0) {
        m_counterTimer.stop();
        return;
    }
    m_counterTimer.setInterval(ms);
    if (m_sampleTimer.isActive())
        m_counterTimer.start();
}

void TraceBridge::setWatchedPid(uint64_t pid)
{
    assertGuiThread();
    if (pid == m_watched)
        return;
    m_watched = pid;
    m_watchedMessages.clear();
    m_stats.clearWatched();
}

void TraceBridge::onWake()
{
    if (m_drainTimer.isActive())
        return;
    drainWhenDue();
}

void TraceBridge::drainWhenDue()
{
    // Asked again when due: by then the last cycle's repaints are done and counted in intervalNs().
    const int64_t interval = intervalNs();
    const int64_t since = wallNs() - m_lastDrainNs;
    if (since >= interval)
        drainNow();
    else
        m_drainTimer.start(int((interval - since) / 1'000'000) + 1);
}

void TraceBridge::drainNow()
{
    assertGuiThread();
    m_drainTimer.stop();
    m_waker->pending.store(false);
    const int64_t startNs = wallNs();
    // What the GUI thread spent since the last drain: this cycle's drain, updates and repaints, and whatever else
    // it did. After a quiet spell that is mostly unrelated work, so it counts only as a share of the longest
    // interval.
    if (const int64_t cpu = threadCpuNs(); cpu >= 0) {
        if (m_lastDrainCpuNs >= 0) {
            const int64_t spent = cpu - m_lastDrainCpuNs;
            const int64_t wall = std::max<int64_t>(startNs - m_lastDrainNs, 1);
            const int64_t longest = 1'000'000'000 / kMinRate;
            m_cycleCostNs = wall > longest ? int64_t(double(spent) * double(longest) / double(wall)) : spent;
        }
        m_lastDrainCpuNs = cpu;
    }
    m_lastDrainNs = startNs;
    ++m_drains;
    m_buffer.clear();
    uint64_t lost = 0;
    if (m_subscription)
        lost = m_subscription->drain(m_buffer);
    const int64_t now = wallNs();
    const uint64_t sentBefore = m_state.pendingDelta().messagesSent;
    // A drain that lost events is followed by a resync from a snapshot (now or within kMaxResyncDelayNs), which
    // rebuilds the processes a full ring's worth of events would create and mostly kill again: apply only what the
    // snapshot cannot restore. The event log, the charts' counters and the watched process still see every event.
    // (A drain that loses nothing while a resync is due is followed by that resync at once.)
    m_state.apply(m_buffer, now, bool(m_snapshot) && (lost > 0 || m_resyncDueSinceNs >= 0));
    m_stats.addMessages(m_state.pendingDelta().messagesSent - sentBefore);
    m_applied += m_buffer.size();
    m_stats.addEvents(m_buffer);
    if (m_watched) {
        for (const TraceEvent& e : m_buffer) {
            if ((e.kind == TraceKind::MessageQueued || e.kind == TraceKind::MessageReceived) && e.pid == m_watched)
                m_watchedMessages.push_back(e);
            else if (e.kind == TraceKind::MessageSent && e.pid == m_watched)
                m_watchedMessages.push_back(e);
        }
        while (m_watchedMessages.size() > 100)
            m_watchedMessages.pop_front();
    }
    m_lossy = lost > 0;
    if (lost) {
        m_dropped += lost;
        Q_EMIT eventsLost(lost);
        if (m_resyncDueSinceNs < 0)
            m_resyncDueSinceNs = now;
    }
    if (m_resyncDueSinceNs >= 0 && (!lost || now - m_resyncDueSinceNs >= kMaxResyncDelayNs)) {
        m_resyncDueSinceNs = -1;
        if (m_snapshot) {
            m_state.resync(m_snapshot(), now);
            ++m_resyncs;
        }
    }
    m_state.tick(now);
    if (!m_buffer.empty() || m_resyncDueSinceNs >= 0) {
        if (!m_buffer.empty())
            Q_EMIT eventsDrained(m_buffer);
        // The subscription may hold back events that arrived out of order until the next drain, and no notify
        // comes for those: after any activity (or with a resync due), look once more one interval later. An idle
        // stream stays idle.
        m_drainTimer.start(int(intervalNs() / 1'000'000));
    }
    publish();
}

void TraceBridge::resync()
{
    assertGuiThread();
    const uint64_t before = m_resyncs;
    drainNow();
    // The drain may have resynced already (one was due and it lost nothing); a second snapshot would only stop the
    // workers again. Either way nothing is left due.
    if (m_snapshot && m_resyncs == before)
        m_state.resync(m_snapshot(), wallNs());
    m_resyncDueSinceNs = -1;
    publish();
}

void TraceBridge::clearDead()
{
    assertGuiThread();
    m_state.clearDead();
    publish();
}

void TraceBridge::onTick()
{
    m_state.tick(wallNs());
    publish();
}

void TraceBridge::publish()
{
    GraphDelta delta = m_state.takeDelta();
    if (!delta.empty())
        Q_EMIT updated(delta);
    // Keep the clock ticking only while something is waiting for time to pass.
    const bool timed = m_state.hasTimedWork();
    if (timed && !m_tickTimer.isActive())
        m_tickTimer.start();
    else if (!timed && m_tickTimer.isActive())
        m_tickTimer.stop();
}

} // namespace vigil
