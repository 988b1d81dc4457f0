// The trace hub on its own, driven from the test thread as if it were each worker in turn: numbering, rings and
// drains without a runtime's timing around them.

#include "runtime/tracehub.h"

#include <gtest/gtest.h>

using namespace vigil;

namespace {
TraceEvent spawnedEvent(uint64_t pid)
{
    TraceEvent e;
    e.kind = TraceKind::Spawned;
    e.pid = pid;
    return e;
}

// events[at], events[at + 1], ... are of pids first, first + 1, ... (count of them).
void expectPids(const std::vector<TraceEvent>& events, size_t at, uint64_t first, size_t count)
{
    ASSERT_LE(at + count, events.size());
    for (size_t i = 0; i < count; ++i)
        EXPECT_EQ(events[at + i].pid, first + i) << "event " << at + i;
}

void expectStrictlyIncreasingNumbers(const std::vector<TraceEvent>& events)
{
    for (size_t i = 1; i < events.size(); ++i)
        EXPECT_LT(events[i - 1].seq, events[i].seq) << "event " << i;
}

// A Spawned event of `pid` written the way emit writes it: claimed and committed in place while the worker's block
// lasts (returns true), the long way otherwise (false).
bool emitAsWorker(TraceHub& hub, int worker, uint64_t pid)
{
    Term none, alsoNone;
    auto fill = [&](TraceSlot& s) { s.set(0, TraceKind::Spawned, SignalOutcome::None, 0, pid, 0, 0, none, alsoNone); };
    TraceHub::DirectClaim c;
    if (TraceSlot* s = hub.claimDirect(worker, c)) {
        fill(*s);
        hub.commitDirect(s, c);
        return true;
    }
    if (!hub.publishDirect(worker, fill))
        hub.publish(worker, spawnedEvent(pid)); // several subscribers
    return false;
}

std::vector<uint64_t> pidsOf(const std::vector<TraceEvent>& events)
{
    std::vector<uint64_t> pids;
    for (const TraceEvent& e : events)
        pids.push_back(e.pid);
    return pids;
}

// A further drain finds nothing, lost or delivered.
void expectNothingMore(TraceSubscription& sub)
{
    std::vector<TraceEvent> more;
    EXPECT_EQ(sub.drain(more), 0u);
    EXPECT_TRUE(more.empty());
}
} // namespace

// Worker 0 numbers 40 events into a ring of 16: the last 24 are lost, numbers and all. Worker 1's 10 events come
// after them. One drain delivers the 26 that were kept, in order, and counts the 24 once; nothing is left for later.
TEST(TraceHub, ALossyDrainDeliversPastTheLostNumbersInOrder)
{
    TraceHub hub;
    hub.setWorkers(2);
    auto sub = hub.subscribe(2, 16);
    ASSERT_TRUE(sub);
    for (uint64_t i = 0; i < 40; ++i)
        hub.publish(0, spawnedEvent(1000 + i));
    hub.closeOwnBlock(0); // as a worker does when it stops running slices
    for (uint64_t i = 0; i < 10; ++i)
        hub.publish(1, spawnedEvent(2000 + i));
    hub.closeOwnBlock(1);

    std::vector<TraceEvent> events;
    EXPECT_EQ(sub->drain(events), 24u);
    ASSERT_EQ(events.size(), 26u);
    expectPids(events, 0, 1000, 16);
    expectPids(events, 16, 2000, 10);
    expectStrictlyIncreasingNumbers(events);
    expectNothingMore(*sub);
    hub.unsubscribe(sub);
}

// The same loss while worker 1 holds an open block numbered before worker 0's: worker 0's events wait for that block
// (it may still carry numbers below theirs), and come after its events, in order, once it is given up.
TEST(TraceHub, ALossyDrainStillWaitsForAnOpenBlock)
{
    TraceHub hub;
    hub.setWorkers(2);
    auto sub = hub.subscribe(2, 16);
    ASSERT_TRUE(sub);
    hub.publish(1, spawnedEvent(1)); // worker 1 opens its block first
    for (uint64_t i = 0; i < 40; ++i)
        hub.publish(0, spawnedEvent(1000 + i));
    hub.closeOwnBlock(0);

    std::vector<TraceEvent> events;
    uint64_t lost = sub->drain(events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].pid, 1u);

    hub.publish(1, spawnedEvent(2)); // from its open block: numbered before worker 0's events
    hub.closeOwnBlock(1);
    lost += sub->drain(events);
    ASSERT_EQ(events.size(), 18u);
    EXPECT_EQ(events[1].pid, 2u);
    expectPids(events, 2, 1000, 16);
    expectStrictlyIncreasingNumbers(events);
    EXPECT_EQ(lost, 24u);
    hub.unsubscribe(sub);
}

// A worker's events written the way emit writes them (claimed and committed in place while its block lasts, the
// long way otherwise) wait in its ring while another worker's open block may still carry lower numbers, and then
// come in order, none lost, none twice.
TEST(TraceHub, DirectEventsWaitForAnOpenBlockWithLowerNumbers)
{
    TraceHub hub;
    hub.setWorkers(2);
    auto sub = hub.subscribe(2, 64);
    ASSERT_TRUE(sub);
    auto emit = [&hub](int worker, uint64_t pid) { return emitAsWorker(hub, worker, pid); };
    EXPECT_FALSE(emit(1, 1)) << "the first event opens worker 1's block";
    size_t inPlace = 0;
    for (uint64_t i = 0; i < 20; ++i)
        inPlace += emit(0, 100 + i) ? 1 : 0;
    EXPECT_EQ(inPlace, 19u) << "all but the one that opened worker 0's block";

    std::vector<TraceEvent> events;
    EXPECT_EQ(sub->drain(events), 0u);
    ASSERT_EQ(events.size(), 1u) << "worker 0's events wait: worker 1's open block may still number events before them";
    EXPECT_EQ(events[0].pid, 1u);

    EXPECT_TRUE(emit(1, 2));
    hub.closeOwnBlock(1);
    hub.closeOwnBlock(0);
    EXPECT_EQ(sub->drain(events), 0u);
    ASSERT_EQ(events.size(), 22u);
    EXPECT_EQ(events[1].pid, 2u);
    expectPids(events, 2, 100, 20);
    expectStrictlyIncreasingNumbers(events);
    expectNothingMore(*sub);
    hub.unsubscribe(sub);
}

// Worker 0 has used every number of its block when it takes in work worker 1 handed over: until it numbers past
// worker 1's position it reports its own as not known (a hand-over it passes on meanwhile must not carry the old
// one), and its next event is numbered after worker 1's.
TEST(TraceHub, AHandOverToAUsedUpBlockIsKept)
{
    TraceHub hub;
    hub.setWorkers(2);
    auto sub = hub.subscribe(2, 1024);
    ASSERT_TRUE(sub);
    for (uint64_t i = 0; i < TraceHub::kSeqBlock; ++i)
        hub.publish(0, spawnedEvent(100 + i)); // the whole block
    ASSERT_NE(hub.position(0), 0u);
    hub.publish(1, spawnedEvent(1)); // worker 1's block lies above
    const uint64_t handedOver = hub.position(1);
    hub.numberFrom(0, hub.positionFrom(handedOver & 0xFFFFFF, 24));
    EXPECT_EQ(hub.position(0), 0u) << "the old position is below what it took in";
    hub.publish(0, spawnedEvent(2));
    EXPECT_GT(hub.position(0), handedOver);
    hub.closeOwnBlock(0);
    hub.closeOwnBlock(1);
    std::vector<TraceEvent> events;
    EXPECT_EQ(sub->drain(events), 0u);
    ASSERT_EQ(events.size(), TraceHub::kSeqBlock + 2);
    EXPECT_EQ(events[events.size() - 2].pid, 1u);
    EXPECT_EQ(events.back().pid, 2u) << "numbered after worker 1's event";
    expectStrictlyIncreasingNumbers(events);
    hub.unsubscribe(sub);
}

// A hand-over's position is recorded by its low bits only: what positionFrom gives back is never below the real
// position, and is the real one while fewer numbers than those bits can count have been handed out since.
TEST(TraceHub, APositionRecordedByItsLowBitsIsNeverGivenBackLower)
{
    TraceHub hub;
    hub.setWorkers(1);
    auto sub = hub.subscribe(1, 1 << 16);
    ASSERT_TRUE(sub);
    hub.publish(0, spawnedEvent(1));
    const uint64_t pos = hub.position(0);
    ASSERT_NE(pos, 0u);
    EXPECT_EQ(hub.positionFrom(pos & 0xFF, 8), pos);
    EXPECT_EQ(hub.positionFrom(0, 8), ~uint64_t(0)) << "no bits: not known";
    // Hand out numbers well past 256 (whole blocks, as other workers would).
    for (int i = 0; i < 1000; ++i) {
        hub.closeOwnBlock(0);
        hub.publish(0, spawnedEvent(2));
    }
    const uint64_t back = hub.positionFrom(pos & 0xFF, 8);
    EXPECT_GE(back, pos);
    EXPECT_EQ(back & 0xFF, pos & 0xFF);
    EXPECT_EQ(hub.positionFrom(pos & 0xFFFFFF, 24), pos) << "24 bits still tell it apart";
    hub.unsubscribe(sub);
}

// A visiting drain hands over what a drain into a vector would: the same events, in the same order, with the same
// count of lost ones, a batch of at most kVisitBatch at a time. Here 700 events from two workers (runs longer than a
// batch, interleaved by number), some lost from a small ring, and events the shared ring took from another thread.
TEST(TraceHub, AVisitingDrainHandsOverWhatADrainIntoAVectorWould)
{
    auto produce = [](TraceHub& hub) {
        for (uint64_t i = 0; i < 300; ++i)
            hub.publish(0, spawnedEvent(1000 + i));
        for (uint64_t i = 0; i < 300; ++i)
            hub.publish(1, spawnedEvent(5000 + i));
        hub.publish(-1, spawnedEvent(9000)); // not a worker: the shared ring
        for (uint64_t i = 0; i < 100; ++i)
            hub.publish(0, spawnedEvent(2000 + i));
        hub.closeOwnBlock(0);
        hub.closeOwnBlock(1);
    };
    TraceHub a;
    a.setWorkers(2);
    auto intoVector = a.subscribe(2, 256);
    produce(a);
    std::vector<TraceEvent> expected;
    const uint64_t expectedLost = intoVector->drain(expected);
    ASSERT_GT(expectedLost, 0u) << "a ring of 256 cannot hold worker 0's 400 events";
    ASSERT_GT(expected.size(), TraceSubscription::kVisitBatch * 2);

    TraceHub b;
    b.setWorkers(2);
    auto visited = b.subscribe(2, 256);
    produce(b);
    std::vector<TraceEvent> got;
    std::vector<size_t> batches;
    const uint64_t lost = visited->drain([&](std::span<const TraceEvent> batch) {
        batches.push_back(batch.size());
        got.insert(got.end(), batch.begin(), batch.end());
    });
    EXPECT_EQ(lost, expectedLost);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].seq, expected[i].seq) << "event " << i;
        EXPECT_EQ(got[i].pid, expected[i].pid) << "event " << i;
    }
    expectStrictlyIncreasingNumbers(got);
    for (size_t n : batches) {
        EXPECT_GT(n, 0u);
        EXPECT_LE(n, TraceSubscription::kVisitBatch);
    }
    EXPECT_GE(batches.size(), got.size() / TraceSubscription::kVisitBatch);
    expectNothingMore(*visited);
    a.unsubscribe(intoVector);
    b.unsubscribe(visited);
}

// Events held back behind an open block come out of a later visiting drain, after the block's own.
TEST(TraceHub, AVisitingDrainDeliversHeldEventsLater)
{
    TraceHub hub;
    hub.setWorkers(2);
    auto sub = hub.subscribe(2, 1024);
    hub.publish(1, spawnedEvent(1)); // worker 1's block lies below worker 0's
    for (uint64_t i = 0; i < 600; ++i)
        hub.publish(0, spawnedEvent(1000 + i));
    hub.closeOwnBlock(0);
    std::vector<TraceEvent> got;
    auto collect = [&got](std::span<const TraceEvent> batch) { got.insert(got.end(), batch.begin(), batch.end()); };
    EXPECT_EQ(sub->drain(collect), 0u);
    ASSERT_EQ(got.size(), 1u) << "worker 0's events wait for worker 1's open block";
    hub.publish(1, spawnedEvent(2));
    hub.closeOwnBlock(1);
    EXPECT_EQ(sub->drain(collect), 0u);
    ASSERT_EQ(got.size(), 602u);
    EXPECT_EQ(got[1].pid, 2u);
    expectPids(got, 2, 1000, 600);
    expectStrictlyIncreasingNumbers(got);
    expectNothingMore(*sub);
    hub.unsubscribe(sub);
}

// Events are written in place only while the worker's block was taken with exactly one subscriber listening. A
// second subscriber starts after the blocks open when it came (the subscribing worker gives its own up); from then on
// every event reaches both, the long way, until the second leaves and the worker takes a new block. The first
// subscriber sees every event, in order; the second exactly those numbered while it listened.
TEST(TraceHub, EventsWrittenInPlaceFollowTheSubscribersAsTheyComeAndGo)
{
    TraceHub hub;
    hub.setWorkers(2);
    auto first = hub.subscribe(2, 64);
    ASSERT_TRUE(first);
    EXPECT_FALSE(emitAsWorker(hub, 0, 1)) << "the first event opens worker 0's block";
    EXPECT_TRUE(emitAsWorker(hub, 0, 2));

    auto second = hub.subscribe(2, 64, 0); // worker 0 subscribes: its open block is given up first
    ASSERT_TRUE(second);
    EXPECT_FALSE(emitAsWorker(hub, 0, 3)) << "a new block";
    EXPECT_FALSE(emitAsWorker(hub, 0, 4)) << "two subscribers: never in place";
    hub.closeOwnBlock(0);
    std::vector<TraceEvent> secondSaw;
    EXPECT_EQ(second->drain(secondSaw), 0u);
    hub.unsubscribe(second);

    EXPECT_FALSE(emitAsWorker(hub, 0, 5)) << "its block was taken while two listened";
    hub.closeOwnBlock(0);
    EXPECT_FALSE(emitAsWorker(hub, 0, 6)) << "a new block, with one subscriber again";
    EXPECT_TRUE(emitAsWorker(hub, 0, 7));
    hub.closeOwnBlock(0);

    std::vector<TraceEvent> firstSaw;
    EXPECT_EQ(first->drain(firstSaw), 0u);
    EXPECT_EQ(pidsOf(firstSaw), (std::vector<uint64_t> { 1, 2, 3, 4, 5, 6, 7 }));
    expectStrictlyIncreasingNumbers(firstSaw);
    EXPECT_EQ(pidsOf(secondSaw), (std::vector<uint64_t> { 3, 4 }));
    expectNothingMore(*first);
    hub.unsubscribe(first);
}

// A hand-over that leaves the worker's block behind (numberFrom past it) stops events being written in place until
// the worker has taken a new block, numbered after the hand-over.
TEST(TraceHub, AHandOverPastTheBlockStopsWritingInPlaceUntilANewBlock)
{
    TraceHub hub;
    hub.setWorkers(2);
    auto sub = hub.subscribe(2, 64);
    ASSERT_TRUE(sub);
    EXPECT_FALSE(emitAsWorker(hub, 0, 1));
    EXPECT_TRUE(emitAsWorker(hub, 0, 2));
    EXPECT_FALSE(emitAsWorker(hub, 1, 3)) << "worker 1's first block, after worker 0's";
    hub.numberFrom(0, hub.position(1)); // worker 0 takes in worker 1's work
    EXPECT_FALSE(emitAsWorker(hub, 0, 4)) << "a new block first";
    EXPECT_TRUE(emitAsWorker(hub, 0, 5));
    hub.closeOwnBlock(0);
    hub.closeOwnBlock(1);
    std::vector<TraceEvent> events;
    EXPECT_EQ(sub->drain(events), 0u);
    EXPECT_EQ(pidsOf(events), (std::vector<uint64_t> { 1, 2, 3, 4, 5 }));
    expectStrictlyIncreasingNumbers(events);
    hub.unsubscribe(sub);
}

// The only subscriber leaves while a worker's block, taken for it, is still open: the worker gives that block up at
// its next event (the leaving asked it to) instead of writing on into the ring of a subscriber that is gone. The
// next subscriber gets the events after it came, in place into its own ring.
TEST(TraceHub, AfterTheOnlySubscriberLeavesItsRingGetsNoMoreEvents)
{
    TraceHub hub;
    hub.setWorkers(2);
    auto first = hub.subscribe(2, 64);
    ASSERT_TRUE(first);
    EXPECT_FALSE(emitAsWorker(hub, 0, 1));
    EXPECT_TRUE(emitAsWorker(hub, 0, 2));
    hub.unsubscribe(first);
    EXPECT_FALSE(emitAsWorker(hub, 0, 3)) << "the block the first subscriber had is given up";
    auto next = hub.subscribe(2, 64, 0);
    ASSERT_TRUE(next);
    EXPECT_FALSE(emitAsWorker(hub, 0, 4)) << "a new block, taken for the new subscriber";
    EXPECT_TRUE(emitAsWorker(hub, 0, 5));
    hub.closeOwnBlock(0);

    std::vector<TraceEvent> nextSaw;
    EXPECT_EQ(next->drain(nextSaw), 0u);
    EXPECT_EQ(pidsOf(nextSaw), (std::vector<uint64_t> { 4, 5 }));
    std::vector<TraceEvent> firstSaw;
    first->drain(firstSaw);
    EXPECT_EQ(pidsOf(firstSaw), (std::vector<uint64_t> { 1, 2 }));
    hub.unsubscribe(next);
}
