#pragma once

// An editor for one Elixir term, parsed as the user types: the error (with line and column) is shown inline
// and marked in the text, and term() is empty until the text parses. GUI thread only.

#include "term/parse.h"

#include <QWidget>

#include <functional>
#include <optional>

class QLabel;
class QPlainTextEdit;

namespace vigil {

class TermEditor : public QWidget {
    Q_OBJECT
public:
    using PidResolver = std::function<bool(uint64_t serial, Term& out)>;
    explicit TermEditor(QWidget* parent = nullptr);

    void setPidResolver(PidResolver resolver);
    void setText(const QString& text);
    QString text() const;
    std::optional<Term> term() const { return m_term; }
    bool isValid() const { return m_term.has_value(); }
    QString errorText() const { return m_error; }
    QPlainTextEdit* editor() const { return m_edit; }

Q_SIGNALS:
    void validityChanged(bool valid);
    void submitted(); // Ctrl+Enter

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void reparse();

    QPlainTextEdit* m_edit;
    QLabel* m_status;
    PidResolver m_resolver;
    std::optional<Term> m_term;
    QString m_error;
};

} // namespace vigil
