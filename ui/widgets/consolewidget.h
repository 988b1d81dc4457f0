#pragma once

// The Elixir console tab. The evaluation itself is a seam: whoever owns the interpreter installs an Evaluator
// (setEvaluator); until then the console says it is not available. Output may arrive from any thread through the
// Printer given to the evaluator; pids in the output are links that select the process. GUI thread only, except
// Printer, which is thread-safe.

#include <QPointer>
#include <QWidget>

#include <functional>

class QLineEdit;
class QTextBrowser;

namespace vigil {

class ConsoleWidget : public QWidget {
    Q_OBJECT
public:
    enum class OutputKind { Result, Stdout, Error, Info };
    // Thread-safe; may be called any number of times, also after evaluate() returned.
    using Printer = std::function<void(const QString& text, OutputKind kind)>;
    using Evaluator = std::function<void(const QString& code, Printer print)>;

    explicit ConsoleWidget(QWidget* parent = nullptr);

    void setEvaluator(Evaluator evaluator);
    // Tells whether typed text is an unfinished expression; the console then asks for another line.
    void setContinuationCheck(std::function<bool(const QString& code)> needsMore);
    void setPrompt(const QString& prompt);
    bool hasEvaluator() const { return bool(m_evaluator); }
    Printer printer(); // a thread-safe printer into this console
    QString plainText() const;

public Q_SLOTS:
    // Echoes the code like iex and hands it to the evaluator.
    void evaluate(const QString& code);
    void appendOutput(const QString& text, vigil::ConsoleWidget::OutputKind kind = OutputKind::Result);
    void clear();

Q_SIGNALS:
    void pidActivated(uint64_t pid);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QTextBrowser* m_output;
    QLineEdit* m_input;
    Evaluator m_evaluator;
    std::function<bool(const QString&)> m_needsMore;
    QString m_pending; // lines of an unfinished expression
    QStringList m_history;
    int m_historyPos = 0;
    int m_counter = 1;
};

} // namespace vigil
