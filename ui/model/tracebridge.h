#pragma once

// Carries the engine's trace stream onto the GUI thread: the subscription's notify hook posts one wake-up, the
// bridge drains everything available at most maxRate times a second, applies it to the GraphState and tells
// models and views what changed. On lost events it resyncs from a snapshot once the storm that overflowed the
// engine's buffers has passed (the first drain that lost nothing, or a second after the first loss): a snapshot
// stops the workers, and taking one in the middle of a storm would only slow the storm down and be out of date
// at once. GUI thread only (except the notify hook, which only posts).
//
// The drain rate adapts to what the window costs: the GUI thread's CPU time from one drain to the next (draining,
// applying, the model and view updates and the repaints they cause) is kept under a share of one core, so the
// observer takes a bounded slice of the machine from the engine however busy the engine is. A cheap stream is
// drained at the full rate; an expensive one less often, but never less than kMinRate times a second, so an event
// still reaches the screen in well under 100 ms. Only while events are being lost (a storm that overflows the
// engine's buffers, after which the view is resynchronised from a snapshot anyway) may drains be up to
// kMaxResyncDelayNs apart.

#include "graphstate.h"
#include "statshistory.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace vigil {

class TraceBridge : public QObject {
    Q_OBJECT
public:
    using SnapshotFn = std::function<Snapshot()>;

    TraceBridge(std::shared_ptr<TraceSubscription> subscription, SnapshotFn snapshot, QObject* parent = nullptr);
    ~TraceBridge() override;

    // Takes the initial snapshot and starts listening.
    void start();
    // Drains and applies right now (tests, and the step button that wants to show its event at once).
    void drainNow();

    GraphState& state() { return m_state; }
    const GraphState& state() const { return m_state; }
    StatsHistory& stats() { return m_stats; }

    void setMaxRate(int hz); // clamped to 1..30
    int maxRate() const { return m_maxRate; }
    // Share of one core the GUI thread may spend per drain cycle before the drains are spaced out (0 = always
    // drain at maxRate). Default kDefaultCpuBudget.
    void setCpuBudget(double fraction);
    double cpuBudget() const { return m_cpuBudget; }
    static constexpr double kDefaultCpuBudget = 0.10;
    static constexpr int kMinRate = 20;
    // Events the drain buffer holds without growing: three full rings of the default 65,536 events (two workers and
    // the ring the other threads share), 12 MB, touched when the bridge is made.
    static constexpr size_t kBufferReserve = size_t(3) << 16;
    // The interval the next drain waits for (ms), and the GUI thread's CPU time per drain cycle it is based on.
    double drainIntervalMs() const { return double(intervalNs()) / 1e6; }
    double cycleCpuMs() const { return double(m_cycleCostNs) / 1e6; }
    uint64_t eventsDropped() const { return m_dropped; }
    uint64_t eventsApplied() const { return m_applied; }
    uint64_t drains() const { return m_drains; }
    uint64_t resyncs() const { return m_resyncs; }
    // Lost events not yet made good by a snapshot.
    bool resyncPending() const { return m_resyncDueSinceNs >= 0; }
    static constexpr int64_t kMaxResyncDelayNs = 1'000'000'000;

    // Message events of one process are kept for the inspector (lifecycle events live on every node).
    void setWatchedPid(uint64_t pid);
    uint64_t watchedPid() const { return m_watched; }
    const std::deque<TraceEvent>& watchedMessages() const { return m_watchedMessages; }

    // Reductions and similar counters have no events; refresh them from a snapshot this often (0 = never).
    void setCounterRefreshMs(int ms);
    // Forgets dead processes now and tells the views.
    void clearDead();
    // Rebuild from a snapshot now.
    void resync();

Q_SIGNALS:
    void eventsDrained(const std::vector<vigil::TraceEvent>& events);
    void updated(const vigil::GraphDelta& delta);
    void eventsLost(quint64 count);
    void statsSampled();

private:
    struct Waker;
    void onWake();
    void drainWhenDue();
    void onTick();
    void publish();
    int64_t wallNs() const;
    int64_t intervalNs() const;
    void assertGuiThread() const;

    std::shared_ptr<TraceSubscription> m_subscription;
    SnapshotFn m_snapshot;
    std::shared_ptr<Waker> m_waker;
    GraphState m_state;
    StatsHistory m_stats;
    QElapsedTimer m_clock;
    QTimer m_drainTimer; // single shot: the rate limit
    QTimer m_tickTimer; // time-driven state changes, only while there are any
    QTimer m_sampleTimer; // chart buckets
    QTimer m_counterTimer;
    int64_t m_lastDrainNs = -1'000'000'000;
    int m_maxRate = 30;
    double m_cpuBudget = kDefaultCpuBudget;
    int64_t m_lastDrainCpuNs = -1; // the GUI thread's CPU clock at the last drain
    bool m_lossy = false; // the last drain lost events
    int64_t m_cycleCostNs = 0; // GUI-thread CPU time from the drain before the last to the last
    uint64_t m_dropped = 0;
    uint64_t m_applied = 0;
    uint64_t m_drains = 0;
    uint64_t m_resyncs = 0;
    int64_t m_resyncDueSinceNs = -1; // events were lost at this time and no snapshot was taken since
    uint64_t m_watched = 0;
    std::deque<TraceEvent> m_watchedMessages;
    std::vector<TraceEvent> m_buffer;
};

} // namespace vigil
