"""Interviewer providers: the model that asks the questions, behind one small interface.

`base` defines the interface; `offline` needs nothing external; `openai_chat` talks to any
OpenAI-compatible server and is imported only when chosen (the SDK is slow to import).
"""
