app_name = "kakao_sandbox"

urlpatterns: list = []
