"""The arithmetic follows a fast scrub once the cursor rests, and at once when asked to settle."""

from convstudio.ui.shell.main_window import MainWindow


def test_a_burst_of_steps_ends_with_the_arithmetic_of_the_last_cell(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    for column in range(5):  # faster than anyone reads: the text waits for the cursor to rest
        window.document.set_cursor(1, (2, column))
    window.settle()
    explanation = window.arithmetic.explanation
    assert (explanation.out_feature, explanation.position) == (1, (2, 4))
    window.close()


def test_the_text_catches_up_by_itself_when_the_cursor_rests(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    for column in range(5):
        window.document.set_cursor(2, (1, column))
    qtbot.waitUntil(lambda: window.arithmetic.explanation.position == (1, 4))
    assert window.arithmetic.explanation.out_feature == 2
    window.close()
