"""Sealed-secrets ciphertext for plate-api, one set per environment.

Sealed offline for each cluster's sealing certificate (strict scope: namespace plate-<env>,
Secret plate-api), so only that cluster's controller can decrypt them. Ciphertext is safe to
commit; it is never shown in logs, diffs or errors.
"""

PLATE_API = {
    "dev": {
        "JWT_SIGNING_KEY": (
            "AgAj0w2wrLe32FdwGLOObTHgcsOIzbslCJDFXr5XIfReL7h8RMKySAmV5eoemgvSGP94BkiVxoGCHUbObm7v9tbD"
            "5iqdlTRG+yUCaXuqaFM+mT/QVfKT7DrLdyAy2Mxq5VaAJ7mhUCwvJPRudULF+qYQaH+3aAHGbTEufwWQW1h6I8Dx"
            "wF/x1/yYNOjJRT+B2MNsPOcR5ikQnuRl5JYLk1k7fkOs4y9zuFFPzhbPhOTeJvkDATubdOsrZBoECvJx8xOHbhUs"
            "sP33Otb3l1cU3T3SjXW9WunpMAFUkpbEXKJ1J6V/eadZYUmnTukkL0a0YSh1CJpY+jTS/RCX6Z197U88h0sK5T+X"
            "5DbJxyK2gTbWQfUt4GF4m31Ba7ihzybQZNdnHFTHRXnw2IXn3Ss4S8emUdYA3AQpzpzITNADdZfllAYH3NbJk2rn"
            "ASQY+ZH/Q+uHW1nvUT3skIvslr78Q9w0ov85hT+mpUtkv3/hiRlu9z5Fe049++l6/hO7YYghg/lcG0hSsDEeC17h"
            "sSvPvh0UQqya+tgc3BbO+fzyVm4u7QmvMVqQ6W0cvt4+I/5U0sdgrmt6WPfgzHOuDU6gGkPT4wWKCDX3hbhMRln+"
            "64+Ma9XiwvQj+uVVi2eWZ54nSz/y0+i3WC6rlUolz/EQuCyxuea0suxdq5hxCq8XH42gubMCp+f0+eLgk5Lm9whg"
            "Tjik3iWVHB0Wua22M5mPks9uO+3spw=="
        ),
        "DATABASE_PASSWORD": (
            "AgClCrt0IEVG2oedbbTgFYZ8yu4AlQzN49yvGebG2o2I+t04VIaDzPq3LH32WV9NSBhgeqxKGpxH1Zro29U/wU60"
            "JgzR9rBXH8rJMpzoKyP5K/DJBzJvjxzrhR9IF9rY0HNUwkmSvCcbQXA/o+u9DDwr+HwNNAAEgvgrTzV7agfKQRNw"
            "dd4DNE2OGcaQCbcMGaVKfeWjMDjKNTeEeWcSxJNJEoXwe7XlHpfrfx7dAQ2uYfTSsNzFACwGdSP06RtCeSm6yveH"
            "QwMchXwv2NKmSDvsnOZmJdxFCs4u1kVSG8TPhfyhb8RhjkXmlnN/YzoZYVFv0Ir0Jn10Wc3SuW+QDcTze7Z1uoD+"
            "8USVrlBoAuHQZ2W9HshozHg5nB+q7Whuba65+3DEB+oHA7RC3hdFdUqoqyzuEyu9memu1Ho0k8VOKvTAo0jGkGkM"
            "n02XsSinz/iYN/Lr7bErvfRlWNKGT2qi8PHsQ2D5Hv85oMBYynzPYRaS+v7DR4Nz9Sv4Bsa1u47vV16RMoSOUsOs"
            "qF5yMZh4IG7zeQyIj0xMC7jbJyXPAHKFO4CoLnzHNCa9fUx/2zl4nz0GvlEQbSY5CQARLIicgTDZ/FkWmMyaS7JQ"
            "hMZIW0hSDxmWHCijObAWwQ3SUr6IMDo/OeQ+lVULQGmYa6xO0wakkQP7N1QScR0zH90i42JW7I/Grp6wW+/bgIUE"
            "qjhD/aqYj2GGTvz2QT15empG4lJVXg=="
        ),
    },
    "stg": {
        "JWT_SIGNING_KEY": (
            "AgBVrf2cSvml3gpqDW5C9IpjO4auN7FfU4nhFk5EjAaJtwhoy1tuMT4g0sYSM/e0XzkH34kRBidda3KljxE7bqf5"
            "QFS7vRKal4GyLihV9SOYsLgXpTKGRSr1vB3et91n7Hqj+knW9PLdAPzIDiyxfoEPuwV2pTGLdmXJjI40uTx19OLg"
            "kqWsl+0t+iXsKRSiCZx9S38JxXRDZ7BUOSpqeQRZBsuCdMbtcvtk9btxYl+Zc875Hqgc3rhQrBaZsdPO0vGxIQNe"
            "kYupGGyYy7u/okGlQnvBDU4XMwfXL3+ZyRX3D3L1L+L2GBVwj5Ivk69lkPRMFCSlSli6n9F1lG7aKOV4DGZMYZwy"
            "eEOLRmEdNCWZlo4lkbVHQsyBiazoocoR2mPDX9TsBiYMIbJlhwzvgNrIYa0gqjqUnO1hpgjDjBvsc0WxafDoRiiQ"
            "HUnwP8KUVXB+MBY76MtDf3EzHtD0RO2QJdapga87b7RSiqK8kwUsooT4n2CR88dM8Fw/k4+wGfLAklRvgw56ZWuJ"
            "f0b7kWtuoypRy0A8ab4J1YPdBWqFD9QWyaAwacUBGdDqCsvp1qe8FSqkHJr9RMFl/KjO/K57lm5QpnJk8bBzRLGa"
            "YtvBhkIZ89gWDKt7bqauVKxSY7T+H0Cdvsj/AsFepEZ4kbzZyVgWpsJkCUK03DAYvtuzsqyNqp8s8ZE89J1tzmSK"
            "2fNpdU2dWWr0XBJMvPXUDhoTRzsNpg=="
        ),
        "DATABASE_PASSWORD": (
            "AgBX2n+/N4ROTpWN/FFI20sbakybhy0oZGl56Z6sXNlrAOB/6epaA0vGkdC84FLndASD6S5bJLdDkeZFcFi4H9+A"
            "Aav8zZkMOGDi7p6/KLPwsdOBpkC3RM4HVb0QqUhTDqdF/6sj6fmtr8trdya51XbO9uDNol5XVZcQrXSzVYGutac3"
            "8AHrm39sqm3zczoFN4OwGauP8tn/JXe/KUuU112iU66y2MsvlXvIoPNk+9u2nCnWgJ4fsYgDbk8QvWyq8RUVB9R7"
            "GwFEa/lEVq255WStuB16zD5HoCiTDRKfhGZW3QLy8/2B9seBOLZXYfgH4bWxMEj4FuunLMKR7eudV6gRmSysHsur"
            "3LP8tfCg00eOUr3tMS3dLZMjQRPcveBcVFYa8uY6WdwpBt/4qXPjPSAduQwoIYH76q3Ylpj/dO9PYROE1NVAGGAp"
            "/YOQ5bgJAibl9epV8BEq1cVraP/0cnbo4YySiXgVJlEutfOzX42N4/enWQzZojt0+yJvAsqDTdhLUP57HoIma9Zh"
            "WtGDE4ZlLuzyEhQIEHPmYcPJkus6Ibjc87BekLjQyKhS+KavfpP1RkFVGUURmtyQos0VlpALCntJUxuh5Haqmitz"
            "IbeembCBDsJencC2WD8CI1A+k0Wyg1zufr8+TZ7u3UI3i1wduNbPSl25h07Lif29j0GUEDs5prrxQyLgM/xi0OZY"
            "IyT1Ydv0cmywJpE9UYwozu7xNs96oQ=="
        ),
    },
    "prod": {
        "JWT_SIGNING_KEY": (
            "AgANXz23ig3Hgm5c9jBrubnddqwxAq7dcfw9xM4XEnmTBA/qyVHU8E89DIlFIYKIo6OCoVMABDxk9RQEeKTdkLRV"
            "PyAIyugYeg6xrKylHMi2BkA7wEFofE1WcucXVM55aCayE67LeUy8/pyhS6vQ2sQDaU1wCLooGsfwfVfF59P15+K4"
            "ZFRFGamWL6vq9iWuYLnIH8+crNSP0CUwLIUyLC6/Q5QPeU6b1zzVv7bel0c6DbqLTZGNAI01S/dWowa6EkCuQuDE"
            "zqUXFWYUMGPKS8DOiVNaxoHwFfCjEOXCnI90iBa4aEDnLEnZg+GwAymr3GJF3q571Yh0Z7ghe4WbLYYcocTy97pR"
            "z918JshN4wh2/KNRGW67mY/u1b4xChB3yOJxj/cjZKSQGiqH3ZIttyrVp5KhdU+0rD73JdBYJAtggHEJEWkZ//tY"
            "Y4DkDvwInKobVrZ0bS5f3jmU+ys5Z4037WmXJUX+j27DiirxQy27b/VuqVXGhDLTumurLRwXfEYdhBi7qIjzm5Hu"
            "f5jZOswoCA1xvPiK4Yt9Ke3AVmHBz2UUyLqbPiiJiX7ejeKhazbjb0cp4VKelochZA3Yasix1hZhqKcqEo2rUMFS"
            "9eqA4FISs5RA0r2s6dkeAHcSUaoKjIZGeFYEffQunuw34qqJDbqJmtKW8zOIARDtH/03nvRtwTDBJAthYEGnC6CT"
            "MkJLdOGIil6dId9Y9KejSzNOPc8XtA=="
        ),
        "DATABASE_PASSWORD": (
            "AgBwBEOebGGsX+uk1q2iieiYZopo01ERBAyWbU04NnaGjT/2+sZ9EES+8dGtellOHyUVNRrBVgGihFq6JMOw0KEP"
            "PIRPW158taARObCivW2vWUbK9FzQgA4qNwaaMFbfAAxOiRZ3ayAj+Rsfze66XYEUCOQwnodqhu9JFQ2Q9jbshwy5"
            "HbyNH7CLmkn6UzAnXrt+CtFC45Mln5kLa4jtJzgitWAHewOertFuGHPvCJ1i7esqHvdMkdY5J00jQHY2PhYAu+Qe"
            "4kN0MjiftbuqbokzVnjOP+87n8BGwSlMx5HOHq7GaWaVPMbaJt8AcXFtaoHNHlPF2IPvr3eZ3dLVk/6oGRUoIWLj"
            "u7txK6qZNW7BsgpT8yqeqP6bk8PT2JOf+V36ufDZk7EYqhOVVysoxcy0Hc4Fx59lgbQ3qjsRvf7JqAv4tjchyk3a"
            "Wuou0BUOIo/CkyWzduSK4SdZ/tSxeEA1shujqvVYsqXJxYTGOBXQ6sjm36sP10JhJoAOv7CMAmUnOOOgbPKZNz9i"
            "0+wa1+h2p/JRoal4kW0MDkp5pcn0zK0EQj9OMKCoWtmCJwa2xgREw3ncn12wBxyZa3KvEKPe1ne7UEOrvXJUktAu"
            "MwoCbqm6Rb/N1kHmACO0wDZNXZ6eNTPji4hVvHsIhghDzr6KwGdXfHg2DK/xWX/wl0qJPlqzdRFi31UsOlGGn9rG"
            "MgduB2iyJPZ+eZyhFjuKD2UUtYv7qA=="
        ),
    },
}
