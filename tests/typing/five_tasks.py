"""The five everyday tasks of issue 13 in one function, as a user writes them: get me, post,
page through a channel, upload a file, listen for posts.  One import statement.  Checked by
mypy --strict and pyright with the user program (never run: it would wait for events)."""

from mattermost_ext import Event, EventName, Mattermost, PostData, iter_channel_posts, post_files


def five_tasks(token: str, channel_id: str) -> None:
    mm = Mattermost("https://chat.example.com", token)
    me = mm.users.get_user("me")
    mm.posts.create_post(channel_id=channel_id, message=f"hi from {me.username}")
    for post in iter_channel_posts(mm, channel_id):
        print(post.message)
    post_files(mm, channel_id, ["report.pdf"], "Weekly report")
    listener = mm.listener()

    @listener.on(EventName.POSTED)
    def on_post(event: Event[PostData]) -> None:
        print(event.payload.channel_name)

    listener.run_forever()
