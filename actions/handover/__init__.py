"""The warm handover: the form (form.py, answers.py, ask_phone.py) and the request that creates it
(request.py, create.py)."""
