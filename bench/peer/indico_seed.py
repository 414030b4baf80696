"""Seeds Indico's room booking for bench/bench_peer.py; run with Indico's own Python and INDICO_CONFIG set.

    indico-python bench/peer/indico_seed.py ROOMS USERS BOOKINGS DAYS

20 rooms in one location, 60 users (each with a personal API token allowed everything), and BOOKINGS one-off
bookings over DAYS days around today (half before, half after), never overlapping, between 08:00 and 20:00.
Prints one JSON line: the rooms' ids and the users' tokens.
"""
import json
import random
import sys
from datetime import date, datetime, time, timedelta

from indico.web.flask.app import make_app


def main():
    rooms_n, users_n, bookings_n, days = (int(x) for x in sys.argv[1:5])
    app = make_app()
    with app.app_context():
        from indico.core.db import db
        from indico.core.oauth.models.personal_tokens import PersonalToken
        from indico.modules.rb.models.locations import Location
        from indico.modules.rb.models.reservations import RepeatFrequency, Reservation, ReservationState
        from indico.modules.rb.models.rooms import Room
        from indico.modules.users.models.users import User

        rng = random.Random(7)
        users, tokens = [], []
        for i in range(users_n):
            user = User(first_name=f"Bench{i}", last_name="User", email=f"bench{i}@example.org")
            db.session.add(user)
            users.append(user)
        db.session.flush()
        for user in users:
            token = PersonalToken(user=user, name="bench", scopes={"read:everything", "full:everything"})
            tokens.append(token.generate_token())
            db.session.add(token)
        location = Location(name="Bench", map_url_template="", room_name_format="{building}/{floor}-{number}")
        db.session.add(location)
        rooms = []
        for i in range(rooms_n):
            room = Room(location=location, building=str(100 + i // 5), floor=str(i % 5), number=str(i),
                        verbose_name=f"Room {i}", owner=users[0], capacity=rng.randint(4, 40), is_reservable=True,
                        reservations_need_confirmation=False, latitude="52.09", longitude="5.12")
            db.session.add(room)
            rooms.append(room)
        db.session.flush()
        taken = set()
        first_day = date.today() - timedelta(days=days // 2)
        made = 0
        while made < bookings_n:
            room = rng.choice(rooms)
            day = first_day + timedelta(days=rng.randrange(days))
            hour = rng.randint(8, 18)
            length = rng.choice((1, 1, 2))
            slots = {(room.id, day, h) for h in range(hour, hour + length)}
            if slots & taken:
                continue
            taken |= slots
            start = datetime.combine(day, time(hour))
            resv = Reservation(room=room, start_dt=start, end_dt=start + timedelta(hours=length),
                               repeat_frequency=RepeatFrequency.NEVER, repeat_interval=0,
                               booking_reason="Seeded meeting", state=ReservationState.accepted,
                               created_by_user=users[made % users_n], booked_for_user=users[made % users_n],
                               booked_for_name=users[made % users_n].full_name)
            db.session.add(resv)
            resv.create_occurrences(False)
            made += 1
            if made % 500 == 0:
                db.session.flush()
        db.session.commit()
        print(json.dumps({"rooms": [r.id for r in rooms], "tokens": tokens}))


if __name__ == "__main__":
    main()
