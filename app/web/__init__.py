"""Server-rendered pages for members and coordinators."""
