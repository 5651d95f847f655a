#pragma once
// Timeline page: search bar, the timeline and a details panel for the selected event or span.
#include "gui/app/RunLoader.h"
#include "gui/app/TimelineView.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QTextBrowser;

namespace ks::gui {

class TimelinePage : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePage(QWidget* parent = nullptr);
    void setRun(const LoadedRun& run);
    TimelineView* view() const { return m_view; }
    QLineEdit* searchEdit() const { return m_search; }
    QCheckBox* regexBox() const { return m_regex; }
    QLabel* matchLabel() const { return m_matchLabel; }
    QTextBrowser* details() const { return m_details; }
    QSplitter* splitter() const { return m_splitter; }
    void focusSearch();
    void runSearch();

private:
    void updateMatchLabel();
    TimelineView* m_view;
    QLineEdit* m_search;
    QCheckBox* m_regex;
    QLabel* m_matchLabel;
    QTextBrowser* m_details;
    QSplitter* m_splitter;
};

} // namespace ks::gui
