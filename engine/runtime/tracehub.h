#pragma once

// Fan-out of trace events to subscribers. Each subscriber has one single-producer ring per worker thread plus a
// locked ring for every other thread, so producers never block and never share a cache line on the hot path.

#include "runtime/runtime.h"

#include <array>
#include <atomic>
#include <mutex>

namespace vigil {

class TraceRing {
public:
    explicit TraceRing(size_t capacity);
    // Single producer. Returns true if the ring was empty before (so the consumer may want a wake-up).
    bool push(TraceEvent&& e, bool& dropped);
    // Single consumer.
    void popAll(std::vector<TraceEvent>& out);
    uint64_t takeDropped() { return m_dropped.exchange(0, std::memory_order_acq_rel); }

private:
    std::vector<TraceEvent> m_slots;
    const size_t m_mask;
    alignas(64) std::atomic<uint64_t> m_head { 0 }; // written by the producer
    alignas(64) std::atomic<uint64_t> m_tail { 0 }; // written by the consumer
    std::atomic<uint64_t> m_dropped { 0 };
};

class TraceSubscriptionImpl final : public TraceSubscription {
public:
    TraceSubscriptionImpl(size_t workers, size_t capacity, uint64_t firstSeq);
    uint64_t drain(std::vector<TraceEvent>& out) override;
    void setNotify(std::function<void()> notify) override;

    void push(int worker, TraceEvent&& e); // worker < 0: any other thread
    void skipUpTo(uint64_t seq); // events up to seq are already known (after a snapshot)

private:
    std::vector<std::unique_ptr<TraceRing>> m_rings; // one per worker, then the shared one
    std::mutex m_sharedMutex;
    std::mutex m_drainMutex;
    std::mutex m_notifyMutex;
    std::function<void()> m_notify;
    std::atomic<bool> m_hasNotify { false }; // producers skip the notify lock when nobody asked to be woken
    uint64_t m_next; // next sequence number to deliver
    std::vector<TraceEvent> m_held; // events after a gap, held back for one drain
    std::vector<std::vector<TraceEvent>> m_runs; // drain's per-ring buffers, kept for their capacity
    std::vector<size_t> m_pos;
    int m_heldRounds = 0;
};

class TraceHub {
public:
    static constexpr size_t kMaxSubscribers = 8;
    ~TraceHub();
    bool enabled() const { return m_active.load(std::memory_order_relaxed) > 0; }
    uint64_t currentSeq() const { return m_seq.load(std::memory_order_acquire); }
    std::shared_ptr<TraceSubscription> subscribe(size_t workers, size_t capacity);
    void unsubscribe(const std::shared_ptr<TraceSubscription>& sub);
    void publish(int worker, TraceEvent&& e); // assigns seq

private:
    std::atomic<TraceSubscriptionImpl*> m_slots[kMaxSubscribers] {};
    std::shared_ptr<TraceSubscriptionImpl> m_owners[kMaxSubscribers];
    std::vector<std::shared_ptr<TraceSubscriptionImpl>> m_retired; // kept until the hub dies: producers may hold them
    std::mutex m_mutex;
    std::atomic<int> m_active { 0 }; // read on every tracing() check: kept off the sequence counter's cache line
    alignas(64) std::atomic<uint64_t> m_seq { 0 };
    char m_seqLineEnd[64 - sizeof(std::atomic<uint64_t>)] {};
};

} // namespace vigil
