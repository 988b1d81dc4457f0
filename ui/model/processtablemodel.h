#pragma once

// One row per known process (alive, and recently dead until cleared), fed incrementally from GraphDelta.
// GUI thread only.

#include "graphstate.h"

#include <QAbstractTableModel>

#include <unordered_map>
#include <vector>

namespace vigil {

class ProcessTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Pid, Name, Behaviour, Status, Mailbox, MessagesIn, MessagesOut, Reductions, Links, Monitors,
        Restarts, NUM_COLUMNS };
    enum Roles { PidRole = Qt::UserRole, SortRole, AliveRole, StatusRole, SearchTextRole };

    explicit ProcessTableModel(const GraphState* state, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void applyDelta(const GraphDelta& delta);
    // Row of a pid, or -1.
    int rowOf(uint64_t pid) const;
    uint64_t pidAt(int row) const;

private:
    void rebuildIndex(size_t from);
    void reset();

    const GraphState* m_state;
    std::vector<uint64_t> m_rows;
    std::unordered_map<uint64_t, int> m_index;
};

} // namespace vigil
