"""The report: papermill runner, parameters, config, history, front page, privacy, safety."""
