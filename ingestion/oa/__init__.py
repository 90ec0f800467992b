"""Official account (公众号) data: the follower list and the follow/unfollow callbacks."""
