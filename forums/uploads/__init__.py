"""Files in posts: screenshots and logs that members attach, served only to those who may
read the post that uses them (README.md, "Uploads").

``models`` holds Upload; ``checks`` judges a file by its content; ``services`` stores,
links and sweeps; ``selectors`` is the reading door; ``views`` are the two URLs.
"""
