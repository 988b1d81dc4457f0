#include "synthetic.h"
#include "tracebridge.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include "waitfor.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

using namespace vigil;
using vigil::test::EventScript;

namespace {

// A subscription fed by the test from any thread, with a simulated overflow.
class FakeSubscription : public TraceSubscription {
public:
    uint64_t drain(std::vector<TraceEvent>& out) override
    {
        std::lock_guard lock(m_mutex);
        out.insert(out.end(), m_pending.begin(), m_pending.end());
        m_pending.clear();
        ++drains;
        return std::exchange(m_lost, 0);
    }
    void setNotify(std::function<void()> notify) override
    {
        std::lock_guard lock(m_mutex);
        m_notify = std::move(notify);
    }
    void push(const std::vector<TraceEvent>& events, uint64_t lost = 0)
    {
        std::function<void()> n;
        {
            std::lock_guard lock(m_mutex);
            m_pending.insert(m_pending.end(), events.begin(), events.end());
            m_lost += lost;
            n = m_notify;
        }
        if (n)
            n();
    }
    int drains = 0;

private:
    std::mutex m_mutex;
    std::vector<TraceEvent> m_pending;
    uint64_t m_lost = 0;
    std::function<void()> m_notify;
};

// A snapshot of the given processes: the first one a root, the others its children.
Snapshot familyOf(std::initializer_list<uint64_t> pids)
{
    Snapshot snap;
    for (uint64_t pid : pids) {
        ProcessSnapshot p;
        p.pid = pid;
        p.parent = pid == *pids.begin() ? 0 : *pids.begin();
        snap.processes.push_back(p);
    }
    return snap;
}

} // namespace

TEST(TraceBridge, WakesOnNotifyAndAppliesBatches)
{
    auto sub = std::make_shared<FakeSubscription>();
    TraceBridge bridge(sub, [] { return Snapshot {}; });
    QSignalSpy updated(&bridge, &TraceBridge::updated);
    bridge.start();
    const int drainsAfterStart = sub->drains;

    EventScript s;
    s.spawn(1, 0, "root");
    std::thread producer([&] {
        // Many notifications from another thread coalesce into few drains.
        for (uint64_t p = 2; p < 2002; ++p) {
            EventScript one;
            one.setSeq(p * 2);
            one.spawn(p, 1);
            sub->push(one.events);
        }
    });
    sub->push(s.events);
    producer.join();
    ASSERT_TRUE(vigil::test::waitFor([&] { return bridge.state().aliveCount() == size_t(2001); })) << "bridge.state().aliveCount()";
    EXPECT_LT(sub->drains - drainsAfterStart, 200) << "drains are rate-limited, not one per event";
    EXPECT_GE(updated.count(), 1);
    EXPECT_EQ(bridge.state().checkConsistency(), "");
}

TEST(TraceBridge, NoDrainWithoutEvents)
{
    auto sub = std::make_shared<FakeSubscription>();
    TraceBridge bridge(sub, [] { return Snapshot {}; });
    bridge.start();
    const int before = sub->drains;
    QTest::qWait(300);
    EXPECT_EQ(sub->drains, before) << "idle means idle: no polling";
}

TEST(TraceBridge, LostEventsResyncFromSnapshot)
{
    auto sub = std::make_shared<FakeSubscription>();
    Snapshot snap = familyOf({ 1, 2, 3 });
    snap.seq = 50;
    int snapshots = 0;
    TraceBridge bridge(sub, [&] {
        ++snapshots;
        return snapshots == 1 ? Snapshot {} : snap;
    });
    QSignalSpy lost(&bridge, &TraceBridge::eventsLost);
    bridge.start();
    EventScript s;
    s.spawn(1, 0);
    sub->push(s.events, 17);
    ASSERT_TRUE(vigil::test::waitFor([&] { return lost.count() == 1; })) << "lost.count()";
    EXPECT_EQ(bridge.eventsDropped(), 17u);
    // The snapshot is taken at the next drain that loses nothing (one interval later, without a notify).
    ASSERT_TRUE(vigil::test::waitFor([&] { return bridge.state().aliveCount() == 3u; }));
    EXPECT_EQ(bridge.resyncs(), 1u);
    EXPECT_FALSE(bridge.resyncPending());
    EXPECT_EQ(bridge.state().node(2)->treeParent, 1u);
}

TEST(TraceBridge, NoSnapshotWhileEventsKeepBeingLost)
{
    auto sub = std::make_shared<FakeSubscription>();
    int snapshots = 0;
    TraceBridge bridge(sub, [&] {
        ++snapshots;
        return Snapshot {};
    });
    bridge.start();
    const int before = snapshots;
    EventScript s;
    s.spawn(1, 0);
    sub->push(s.events, 100);
    bridge.drainNow();
    EXPECT_TRUE(bridge.resyncPending());
    s.spawn(2, 1);
    sub->push({ s.events.back() }, 100);
    bridge.drainNow();
    EXPECT_EQ(snapshots, before) << "no snapshot while the storm goes on";
    EXPECT_EQ(bridge.eventsDropped(), 200u);
    // The one the host spawned is applied (it might be a host thread's pseudo-process); its plain child waits for
    // the snapshot, which would rebuild it anyway.
    EXPECT_EQ(bridge.state().aliveCount(), 1u);
    EXPECT_EQ(bridge.state().node(2), nullptr);
    bridge.drainNow(); // nothing lost this time
    EXPECT_EQ(snapshots, before + 1);
    EXPECT_FALSE(bridge.resyncPending());
    EXPECT_EQ(bridge.state().aliveCount(), 0u) << "the snapshot is the truth";
}

TEST(TraceBridge, AnAskedForResyncTakesOneSnapshotAndLeavesNoneDue)
{
    auto sub = std::make_shared<FakeSubscription>();
    int snapshots = 0;
    TraceBridge bridge(sub, [&] {
        ++snapshots;
        return snapshots == 1 ? Snapshot {} : familyOf({ 1, 2 });
    });
    bridge.start();
    EventScript s;
    s.spawn(1, 0);
    sub->push(s.events, 5);
    bridge.drainNow();
    ASSERT_TRUE(bridge.resyncPending());
    // Its own drain loses nothing, so that drain would resync by itself: once is enough.
    bridge.resync();
    EXPECT_EQ(snapshots, 2);
    EXPECT_FALSE(bridge.resyncPending());
    EXPECT_EQ(bridge.state().aliveCount(), 2u);
    // And one asked for while events are still being lost leaves nothing due either.
    sub->push({}, 3);
    bridge.resync();
    EXPECT_EQ(snapshots, 3);
    EXPECT_FALSE(bridge.resyncPending());
    bridge.drainNow();
    EXPECT_EQ(snapshots, 3) << "no second snapshot at the next lossless drain";
}

TEST(TraceBridge, LossyDrainAppliesOnlyWhatTheResyncCannotRestore)
{
    auto sub = std::make_shared<FakeSubscription>();
    const Snapshot later = familyOf({ 1, 3, 5 });
    int snapshots = 0;
    TraceBridge bridge(sub, [&] {
        ++snapshots;
        return snapshots == 1 ? Snapshot {} : later;
    });
    std::vector<size_t> drained;
    QObject::connect(&bridge, &TraceBridge::eventsDrained, &bridge,
        [&](const std::vector<TraceEvent>& events) { drained.push_back(events.size()); });
    bridge.start();
    EventScript s;
    s.spawn(1, 0, "sup");
    sub->push(s.events);
    bridge.drainNow();
    ASSERT_NE(bridge.state().node(1), nullptr);

    // A storm: 200 short-lived processes, one that lives on, a supervised child, all in a drain that lost events.
    EventScript storm;
    for (uint64_t pid = 10; pid < 210; ++pid) {
        storm.spawn(pid, 1);
        storm.exit(pid, Term::atom(pid == 10 ? "boom" : "normal"));
    }
    storm.spawn(5, 1, "lives on");
    storm.spawn(3, 1, "worker");
    storm.childStarted(1, 3, "worker");
    // A family born and gone within the storm, parents and all; and a parent whose registered child stays.
    storm.spawn(300, 1);
    storm.spawn(301, 300);
    storm.spawn(302, 300);
    storm.spawn(303, 301);
    for (uint64_t pid : { 303, 301, 302, 300 })
        storm.exit(pid, Term::atom("normal"));
    storm.spawn(400, 1);
    storm.spawn(401, 400);
    storm.add(TraceKind::Registered, 401, 0, Term::atom("named"));
    for (TraceEvent& e : storm.events)
        e.seq += 1000;
    sub->push(storm.events, 1000);
    drained.clear();
    bridge.drainNow();
    EXPECT_TRUE(bridge.resyncPending());
    ASSERT_EQ(drained.size(), 1u) << "the event log still gets what arrived";
    EXPECT_EQ(drained[0], storm.events.size());
    EXPECT_EQ(bridge.stats().totalExits(ExitClass::Normal), 203u) << "exits are counted from every event";
    EXPECT_EQ(bridge.stats().totalExits(ExitClass::Crash), 1u);
    EXPECT_EQ(bridge.state().foldedCount(), 204u) << "the ones that died are counted as not listed";
    for (uint64_t pid : { 300, 301, 302, 303 })
        EXPECT_EQ(bridge.state().node(pid), nullptr) << "a family gone within the storm is skipped, parents too: " << pid;
    ASSERT_NE(bridge.state().node(401), nullptr) << "a registered child is applied";
    ASSERT_NE(bridge.state().node(400), nullptr) << "and so is its parent, which keeps it in place";
    EXPECT_EQ(bridge.state().node(401)->treeParent, 400u);
    EXPECT_EQ(bridge.state().node(209), nullptr) << "even the last of them: the snapshot would only mark it dead";
    EXPECT_EQ(bridge.state().node(5), nullptr) << "a plain process waits for the snapshot";
    ASSERT_NE(bridge.state().node(3), nullptr) << "a supervised child is applied: the snapshot has no child ids";
    EXPECT_EQ(bridge.state().node(3)->extras().childId, "worker");

    bridge.drainNow(); // nothing lost: the snapshot is taken
    EXPECT_FALSE(bridge.resyncPending());
    EXPECT_EQ(bridge.state().aliveCount(), 3u);
    ASSERT_NE(bridge.state().node(5), nullptr);
    EXPECT_EQ(bridge.state().node(5)->treeParent, 1u);
    EXPECT_EQ(bridge.state().node(3)->extras().childId, "worker") << "kept across the resync";
    EXPECT_EQ(bridge.state().checkConsistency(), "");
}
