from django.apps import AppConfig


class KakaoSandboxConfig(AppConfig):
    name = "kakao_sandbox"
    verbose_name = "Kakao sandbox"
