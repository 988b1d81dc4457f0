#include "runtime/tracehub.h"

#include <algorithm>

namespace vigil {

namespace {
size_t roundUpPow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}
} // namespace

TraceRing::TraceRing(size_t capacity)
    : m_slots(roundUpPow2(std::max<size_t>(capacity, 16)))
    , m_mask(m_slots.size() - 1)
{
}

bool TraceRing::push(TraceEvent&& e, bool& dropped)
{
    const uint64_t head = m_head.load(std::memory_order_relaxed);
    const uint64_t tail = m_tail.load(std::memory_order_acquire);
    if (head - tail >= m_slots.size()) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        dropped = true;
        return false;
    }
    m_slots[head & m_mask] = std::move(e);
    m_head.store(head + 1, std::memory_order_release);
    dropped = false;
    return head == tail;
}

void TraceRing::popAll(std::vector<TraceEvent>& out)
{
    uint64_t tail = m_tail.load(std::memory_order_relaxed);
    const uint64_t head = m_head.load(std::memory_order_acquire);
    for (; tail != head; ++tail)
        out.push_back(std::move(m_slots[tail & m_mask]));
    m_tail.store(tail, std::memory_order_release);
}

TraceSubscriptionImpl::TraceSubscriptionImpl(size_t workers, size_t capacity, uint64_t firstSeq)
    : m_next(firstSeq)
{
    for (size_t i = 0; i < workers + 1; ++i)
        m_rings.push_back(std::make_unique<TraceRing>(capacity));
}

void TraceSubscriptionImpl::push(int worker, TraceEvent&& e)
{
    TraceEvent& copy = e;
    bool dropped = false;
    bool wasEmpty = false;
    if (worker >= 0 && size_t(worker) + 1 < m_rings.size()) {
        wasEmpty = m_rings[size_t(worker)]->push(std::move(copy), dropped);
    } else {
        std::lock_guard g(m_sharedMutex);
        wasEmpty = m_rings.back()->push(std::move(copy), dropped);
    }
    if (wasEmpty) {
        std::lock_guard g(m_notifyMutex);
        if (m_notify)
            m_notify();
    }
}

void TraceSubscriptionImpl::setNotify(std::function<void()> notify)
{
    std::lock_guard g(m_notifyMutex);
    m_notify = std::move(notify);
}

void TraceSubscriptionImpl::skipUpTo(uint64_t seq)
{
    std::lock_guard g(m_drainMutex);
    if (m_next <= seq)
        m_next = seq + 1;
    std::erase_if(m_held, [seq](const TraceEvent& e) { return e.seq <= seq; });
}

uint64_t TraceSubscriptionImpl::drain(std::vector<TraceEvent>& out)
{
    std::lock_guard g(m_drainMutex);
    // Each worker ring is already in sequence order (one producer); merge them instead of sorting everything.
    std::vector<std::vector<TraceEvent>> runs(m_rings.size() + 1);
    uint64_t dropped = 0;
    size_t total = m_held.size();
    for (size_t i = 0; i < m_rings.size(); ++i) {
        m_rings[i]->popAll(runs[i]);
        dropped += m_rings[i]->takeDropped();
        total += runs[i].size();
    }
    auto bySeq = [](const TraceEvent& a, const TraceEvent& b) { return a.seq < b.seq; };
    // Threads sharing the last ring take their sequence numbers before its lock, so that run may be out of order.
    std::sort(runs[m_rings.size() - 1].begin(), runs[m_rings.size() - 1].end(), bySeq);
    runs.back() = std::move(m_held);
    m_held.clear();
    std::vector<TraceEvent> got;
    got.reserve(total);
    std::vector<size_t> pos(runs.size(), 0);
    for (;;) {
        size_t best = runs.size();
        for (size_t r = 0; r < runs.size(); ++r)
            if (pos[r] < runs[r].size() && (best == runs.size() || runs[r][pos[r]].seq < runs[best][pos[best]].seq))
                best = r;
        if (best == runs.size())
            break;
        got.push_back(std::move(runs[best][pos[best]++]));
    }
    size_t i = 0;
    // Deliver the contiguous run; an event written a moment late by another thread fills its gap next time.
    for (; i < got.size(); ++i) {
        if (got[i].seq < m_next)
            continue; // already covered by a snapshot
        if (got[i].seq != m_next)
            break;
        out.push_back(std::move(got[i]));
        ++m_next;
    }
    if (i < got.size()) {
        if (m_heldRounds > 0 || dropped > 0) {
            // The gap did not fill within one round: those events were lost. Deliver the rest in order.
            for (; i < got.size(); ++i) {
                if (got[i].seq < m_next)
                    continue;
                m_next = got[i].seq + 1;
                out.push_back(std::move(got[i]));
            }
            m_heldRounds = 0;
        } else {
            m_held.assign(std::make_move_iterator(got.begin() + long(i)), std::make_move_iterator(got.end()));
            m_heldRounds = 1;
        }
    } else {
        m_heldRounds = 0;
    }
    return dropped;
}

TraceHub::~TraceHub() = default;

std::shared_ptr<TraceSubscription> TraceHub::subscribe(size_t workers, size_t capacity)
{
    std::lock_guard g(m_mutex);
    for (size_t i = 0; i < kMaxSubscribers; ++i) {
        if (!m_owners[i]) {
            auto sub = std::make_shared<TraceSubscriptionImpl>(workers, capacity, m_seq.load() + 1);
            m_owners[i] = sub;
            m_slots[i].store(sub.get(), std::memory_order_release);
            m_active.fetch_add(1, std::memory_order_acq_rel);
            return sub;
        }
    }
    return nullptr;
}

void TraceHub::unsubscribe(const std::shared_ptr<TraceSubscription>& sub)
{
    std::lock_guard g(m_mutex);
    for (size_t i = 0; i < kMaxSubscribers; ++i) {
        if (m_owners[i] && m_owners[i].get() == sub.get()) {
            m_slots[i].store(nullptr, std::memory_order_release);
            m_retired.push_back(std::move(m_owners[i]));
            m_active.fetch_sub(1, std::memory_order_acq_rel);
        }
    }
}

void TraceHub::publish(int worker, TraceEvent&& e)
{
    e.seq = m_seq.fetch_add(1, std::memory_order_acq_rel) + 1;
    TraceSubscriptionImpl* last = nullptr;
    for (auto& slot : m_slots) {
        if (auto* sub = slot.load(std::memory_order_acquire)) {
            if (last)
                last->push(worker, TraceEvent(e));
            last = sub;
        }
    }
    if (last)
        last->push(worker, std::move(e));
}

} // namespace vigil
