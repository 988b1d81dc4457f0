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
    Snapshot snap;
    snap.seq = 50;
    for (uint64_t pid : { 1, 2, 3 }) {
        ProcessSnapshot p;
        p.pid = pid;
        p.parent = pid == 1 ? 0 : 1;
        snap.processes.push_back(p);
    }
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
    EXPECT_EQ(bridge.state().aliveCount(), 2u) << "events that did arrive are applied meanwhile";
    bridge.drainNow(); // nothing lost this time
    EXPECT_EQ(snapshots, before + 1);
    EXPECT_FALSE(bridge.resyncPending());
    EXPECT_EQ(bridge.state().aliveCount(), 0u) << "the snapshot is the truth";
}
