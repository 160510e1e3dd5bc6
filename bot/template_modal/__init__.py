"""The /template modal: recruiters pick a number, recipients, an approved template and its parameters, see a
live preview, and submit; the modal hands a ``TemplateSendRequest`` to the template sender
(``relay/template_sends``) and never talks to Graph itself.

``parameters`` derives the inputs a template needs and the Graph components they fill, ``recipients`` reads
numbers and pasted lists, ``preview`` renders the text, ``views`` builds the blocks, ``choices`` reads what the
person entered, ``catalog`` reads what the modal offers from the database, ``submission`` turns a submit into
inline errors or a request.
"""
